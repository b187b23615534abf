package watch

import "syscall"

// errUnsupportedSocket is Winsock's WSAEOPNOTSUPP, what Wine 8.0 answers
// to Go's SIO_UDP_NETRESET on every UDP socket ("wsaioctl: winapi error
// #10045"; see neterr.Unsupported).
var errUnsupportedSocket = syscall.Errno(10045)
