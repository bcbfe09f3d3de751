// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A blocking read() that a signal can always cut short: the exit flag is
 * tested inside a tiny syscall stub, and a signal handler that lands
 * between that test and the syscall moves the thread to the stub's "cut"
 * exit. This gives the single-threaded loop race-free exit on SIGTERM with
 * one read() per request instead of a ppoll()+read() pair.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include "cancel.h"

_Static_assert(LF_NEG_EINTR == -EINTR, "the stub returns -EINTR");

#if defined(__x86_64__) && defined(__linux__)

/*
 * long lf_cancel_stub(long fd, void *buf, size_t len, const atomic_int *flag)
 * Arguments arrive in rdi, rsi, rdx, rcx; read(2) wants rdi, rsi, rdx, so
 * only rax needs setting. Returns the raw kernel result (-errno on error).
 * Everything from lf_cancel_begin up to and including the syscall
 * instruction is the window in which a signal must not be lost.
 */
__asm__(".text\n"
	".p2align 4\n"
	".globl lf_cancel_stub\n"
	".hidden lf_cancel_stub\n"
	".type lf_cancel_stub,@function\n"
	"lf_cancel_stub:\n"
	".globl lf_cancel_begin\n"
	".hidden lf_cancel_begin\n"
	"lf_cancel_begin:\n"
	"	movl (%rcx), %eax\n"
	"	testl %eax, %eax\n"
	"	jnz lf_cancel_cut\n"
	"	movl $" LF_STR(SYS_read) ", %eax\n"
	".globl lf_cancel_syscall\n"
	".hidden lf_cancel_syscall\n"
	"lf_cancel_syscall:\n"
	"	syscall\n"
	"	ret\n"
	".globl lf_cancel_cut\n"
	".hidden lf_cancel_cut\n"
	"lf_cancel_cut:\n"
	"	movq $" LF_STR(LF_NEG_EINTR) ", %rax\n"
	"	ret\n"
	".size lf_cancel_stub, .-lf_cancel_stub\n");

extern long lf_cancel_stub(long fd, void *buf, size_t len,
			   const atomic_int *flag);
extern const char lf_cancel_begin[], lf_cancel_syscall[], lf_cancel_cut[];

bool lf_cancel_supported(void)
{
	return true;
}

ssize_t lf_cancel_read(int fd, void *buf, size_t len, const atomic_int *flag)
{
	return lf_cancel_stub(fd, buf, len, flag);
}

bool lf_cancel_redirect(void *uctx)
{
	ucontext_t *uc = uctx;
	uintptr_t ip;

	if (!uc)
		return false;
	ip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
	if (ip < (uintptr_t)lf_cancel_begin || ip > (uintptr_t)lf_cancel_syscall)
		return false;
	uc->uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)lf_cancel_cut;
	return true;
}

#else /* no stub for this architecture: loops fall back to ppoll() */

bool lf_cancel_supported(void)
{
	return false;
}

ssize_t lf_cancel_read(int fd, void *buf, size_t len, const atomic_int *flag)
{
	ssize_t n;

	if (atomic_load(flag))
		return -EINTR;
	n = read(fd, buf, len);
	return n < 0 ? -errno : n;
}

bool lf_cancel_redirect(void *uctx)
{
	(void)uctx;
	return false;
}

#endif

/*
 * The thread serving a cancellable loop, so that a teardown signal taken
 * by some other thread of the process can be passed on to it (a process-
 * directed signal goes to any thread that does not block it).
 */
static atomic_int loop_tid;

void lf_cancel_own(bool on)
{
	atomic_store(&loop_tid, on ? (int)syscall(SYS_gettid) : 0);
}

void lf_cancel_on_signal(int sig, void *uctx)
{
	int tid = atomic_load(&loop_tid);

	if (!tid)
		return;
	if (tid == (int)syscall(SYS_gettid)) {
		lf_cancel_redirect(uctx);
		return;
	}
	/* async-signal-safe; the loop thread's handler does the rest */
	syscall(SYS_tgkill, (int)getpid(), tid, sig);
}
