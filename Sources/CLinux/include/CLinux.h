// The Linux calls that Swift's Glibc module does not export, and the few
// macros Swift cannot import. Only LinuxIO imports this module.
#ifndef CLINUX_H
#define CLINUX_H

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>

/// accept4(2): accept with flags (SOCK_NONBLOCK, SOCK_CLOEXEC) in one call.
int clinux_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags);

/// pipe2(2) with O_CLOEXEC: a pipe whose ends do not leak into exec'd programs.
int clinux_pipe_cloexec(int fds[2]);

/// sendfile(2): copies from a file to a socket in the kernel, from `*offset`, advancing it.
long clinux_sendfile(int out_fd, int in_fd, long long *offset, unsigned long count);

static const int CLINUX_SOCK_NONBLOCK = SOCK_NONBLOCK;
static const int CLINUX_SOCK_CLOEXEC = SOCK_CLOEXEC;
static const int CLINUX_SOCK_STREAM = SOCK_STREAM;
static const int CLINUX_SOCK_DGRAM = SOCK_DGRAM;

#endif
