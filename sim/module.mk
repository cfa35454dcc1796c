# sim/: reputesim, the deterministic network simulator (docs/SIM.md).
# The engine's parts that tests link (event queue, PRNG, link model, the
# virtual network, the scenario parser) go into libreputed.a; the
# simulator itself is SIM_SRCS.
CORE_SRCS += sim/rng.c sim/evq.c sim/link.c sim/vnet.c

