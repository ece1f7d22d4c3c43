#define _GNU_SOURCE
#include <unistd.h>
#include <fcntl.h>
#include "CLinux.h"

int clinux_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags) {
    return accept4(fd, addr, len, flags);
}

int clinux_pipe_cloexec(int fds[2]) {
    return pipe2(fds, O_CLOEXEC);
}
