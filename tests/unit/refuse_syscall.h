/* SPDX-License-Identifier: MIT */
/*
 * Makes this test process's kernel refuse one system call (or one operation
 * of it) with an errno of the test's choosing, through a seccomp filter: the
 * failures a real kernel gives only when old or short of memory. The filter
 * lasts as long as the process, which Criterion forks for each test.
 */
#ifndef XLB_TEST_REFUSE_SYSCALL_H
#define XLB_TEST_REFUSE_SYSCALL_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <criterion/criterion.h>

#if defined(__x86_64__)
#define THIS_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define THIS_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

#define REFUSE_ANY_ARG1 UINT32_MAX

/* System call nr answers err; with arg1 other than REFUSE_ANY_ARG1, only
 * the calls whose second argument (its low 32 bits) is arg1. */
static inline void refuse_syscall(uint32_t nr, uint32_t arg1, int err)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, THIS_AUDIT_ARCH, 0, 5),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, arg1, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ((uint32_t)err & SECCOMP_RET_DATA)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = sizeof(code) / sizeof(code[0]), .filter = code};

	if (arg1 == REFUSE_ANY_ARG1) {
		/* the argument test becomes "always" */
		code[4] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_IMM, REFUSE_ANY_ARG1);
	}
	cr_assert_eq(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 0);
	cr_assert_eq(syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog), 0, "seccomp: %s",
		     strerror(errno));
}

#endif /* XLB_TEST_REFUSE_SYSCALL_H */
