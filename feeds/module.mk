# feeds/: the outside world <-> reports (Sender-ID, ARF, JSON lines, export).
CORE_SRCS += feeds/jsonl.c
