//! Creating non-blocking sockets with the session's settings, through socket2.

use crate::config::SocketOptions;
use crate::error::IoError;
use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use std::io;
use std::net::SocketAddr;

fn new_socket(addr: &SocketAddr) -> io::Result<Socket> {
    let s = Socket::new(
        Domain::for_address(*addr),
        Type::STREAM,
        Some(Protocol::TCP),
    )?;
    s.set_nonblocking(true)?;
    Ok(s)
}

/// Applies the per-connection options (also to accepted sockets, which do not inherit all of
/// them from the listener on every platform).
pub(crate) fn apply(s: &socket2::SockRef<'_>, o: &SocketOptions) -> io::Result<()> {
    s.set_nodelay(o.nodelay)?;
    if let Some(n) = o.send_buffer_size {
        s.set_send_buffer_size(n)?;
    }
    if let Some(n) = o.recv_buffer_size {
        s.set_recv_buffer_size(n)?;
    }
    Ok(())
}

/// A listening socket on `addr`; any failure is PORT_BIND_FAILED naming the address.
pub(crate) fn listen(
    addr: SocketAddr,
    o: &SocketOptions,
) -> Result<mio::net::TcpListener, IoError> {
    let fail = |e: io::Error| IoError::PortBindFailed {
        addr,
        detail: e.to_string(),
    };
    let s = new_socket(&addr).map_err(fail)?;
    s.set_reuse_address(o.reuse_address).map_err(fail)?;
    if let Some(n) = o.recv_buffer_size {
        // Set on the listener so the window scale negotiated at accept time can use it.
        s.set_recv_buffer_size(n).map_err(fail)?;
    }
    s.bind(&SockAddr::from(addr)).map_err(fail)?;
    s.listen(1024).map_err(fail)?;
    Ok(mio::net::TcpListener::from_std(s.into()))
}

/// Starts a non-blocking connect to `addr`. `Ok` means in progress (or, rarely, done); the
/// outcome shows up as writability on the poller.
pub(crate) fn connect(
    addr: SocketAddr,
    source: Option<SocketAddr>,
    o: &SocketOptions,
) -> io::Result<mio::net::TcpStream> {
    let s = new_socket(&addr)?;
    if o.reuse_address {
        s.set_reuse_address(true)?;
    }
    apply(&socket2::SockRef::from(&s), o)?;
    if let Some(src) = source {
        s.bind(&SockAddr::from(src))?;
    }
    match s.connect(&SockAddr::from(addr)) {
        Ok(()) => {}
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
        Err(e) => return Err(e),
    }
    Ok(mio::net::TcpStream::from_std(s.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_applied_to_connecting_and_listening_sockets() {
        let opts = SocketOptions {
            nodelay: false,
            send_buffer_size: Some(64 * 1024),
            recv_buffer_size: Some(64 * 1024),
            reuse_address: true,
        };
        let l = listen("127.0.0.1:0".parse().unwrap(), &opts).unwrap();
        let addr = l.local_addr().unwrap();
        assert!(socket2::SockRef::from(&l).reuse_address().unwrap());
        let s = connect(addr, Some("127.0.0.1:0".parse().unwrap()), &opts).unwrap();
        let r = socket2::SockRef::from(&s);
        assert!(!r.nodelay().unwrap());
        // Linux doubles the requested size for bookkeeping; either way it is at least that.
        assert!(r.send_buffer_size().unwrap() >= 64 * 1024);
        assert!(r.recv_buffer_size().unwrap() >= 64 * 1024);
        assert_eq!(s.local_addr().unwrap().ip(), addr.ip());

        let on = SocketOptions::default();
        let s2 = connect(addr, None, &on).unwrap();
        assert!(socket2::SockRef::from(&s2).nodelay().unwrap());
    }

    #[test]
    fn a_source_address_is_bound_before_connecting() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let source = free.local_addr().unwrap();
        drop(free);
        let s = connect(
            l.local_addr().unwrap(),
            Some(source),
            &SocketOptions::default(),
        )
        .unwrap();
        assert_eq!(s.local_addr().unwrap(), source);
        let (_, peer) = l.accept().unwrap();
        assert_eq!(peer, source);
    }

    #[test]
    fn a_port_in_use_is_port_bind_failed() {
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = taken.local_addr().unwrap();
        let err = listen(addr, &SocketOptions::default()).unwrap_err();
        assert!(matches!(err, IoError::PortBindFailed { addr: a, .. } if a == addr));
    }
}
