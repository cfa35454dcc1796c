# reputation/: subjects, LMDB store, scoring model, listing policy.
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
CORE_SRCS += reputation/subject.c reputation/policy.c reputation/score.c \
	reputation/store.c reputation/changes.c
UNIT_TESTS += tests/unit/subject_test.c tests/unit/store_test.c \
	tests/unit/score_test.c
TEST_SCRIPTS += tests/integration/valgrind.sh \
	tests/integration/store_ctl.sh tests/integration/store_backup.sh
DEB_PKGS += valgrind
