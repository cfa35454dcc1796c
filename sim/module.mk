# sim/: reputesim, the deterministic network simulator (a later issue).
