# feeds/: the outside world <-> reports (Sender-ID, ARF, JSON lines, export).
