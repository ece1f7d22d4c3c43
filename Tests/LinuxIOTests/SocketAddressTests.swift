import Glibc
import LinuxIO
import Testing

@Suite("SocketAddress", .timeLimit(.minutes(3)))
struct SocketAddressTests {
    @Test("resolves numeric literals to their family, host and port",
          arguments: [("127.0.0.1", AF_INET, "127.0.0.1:8080"),
                      ("0.0.0.0", AF_INET, "0.0.0.0:8080"),
                      ("::1", AF_INET6, "[::1]:8080"),
                      ("::", AF_INET6, "[::]:8080"),
                      ("10.1.2.3", AF_INET, "10.1.2.3:8080")])
    func resolvesLiterals(host: String, family: Int32, description: String) throws {
        let address = try SocketAddress.resolve(host: host, port: 8080)
        #expect(address.family == family)
        #expect(address.host == host)
        #expect(address.port == 8080)
        #expect(address.description == description)
        #expect("\(address)" == description)
    }

    @Test("resolves localhost to a loopback address")
    func resolvesLocalhost() throws {
        let address = try SocketAddress.resolve(host: "localhost", port: 7878)
        #expect(address.isLoopback)
        #expect(["127.0.0.1", "::1"].contains(address.host))
        #expect(address.port == 7878)
        switch address {
        case .v4: #expect(address.description == "127.0.0.1:7878")
        case .v6: #expect(address.description == "[::1]:7878")
        }
    }

    @Test("IPv6 goes in brackets in the description, IPv4 does not")
    func descriptionBrackets() throws {
        let v6 = try SocketAddress.resolve(host: "fe80::1:2", port: 443)
        #expect(v6.description == "[fe80::1:2]:443")
        let v4 = try SocketAddress.resolve(host: "192.168.0.1", port: 0)
        #expect(v4.description == "192.168.0.1:0")
    }

    @Test("ports round-trip through network byte order", arguments: [0 as UInt16, 1, 80, 7878, 0x1234, 65535])
    func ports(port: UInt16) throws {
        #expect(try SocketAddress.resolve(host: "127.0.0.1", port: port).port == port)
        #expect(try SocketAddress.resolve(host: "::1", port: port).port == port)
    }

    @Test("isLoopback", arguments: [("127.0.0.1", true), ("127.1.2.3", true), ("127.255.255.254", true),
                                     ("::1", true), ("::ffff:127.0.0.1", true),
                                     ("0.0.0.0", false), ("128.0.0.1", false), ("10.0.0.1", false),
                                     ("::", false), ("::2", false), ("::ffff:10.0.0.1", false),
                                     ("fe80::1", false), ("1::1", false)])
    func isLoopback(host: String, expected: Bool) throws {
        #expect(try SocketAddress.resolve(host: host, port: 80).isLoopback == expected)
    }

    @Test("an unresolvable host throws ResolutionError naming the host",
          arguments: ["no-such-host.invalid", "256.256.256.256.invalid", "bad host name.invalid"])
    func unresolvable(host: String) {
        do throws(ResolutionError) {
            let address = try SocketAddress.resolve(host: host, port: 80)
            Issue.record("\(host) resolved to \(address)")
        } catch {
            #expect(error.host == host)
            #expect(!error.reason.isEmpty)
            #expect(error.description == "cannot resolve \(host): \(error.reason)")
        }
    }
}
