#!/usr/bin/env python3
"""Writes the seed corpora Fuzz/corpus/parser/ and Fuzz/corpus/connection/.

One small file per case: real requests as browsers, curl, ab and wrk send them, pipelined
batches, chunked bodies with extensions and trailers, and every bad-input case of
Docs/HTTP.md (the file name says the rule and the expected status).
Both targets get every case; the connection target also gets streams about keep-alive,
closing and Expect: 100-continue. Run it again after changing a case; the files are committed.
"""
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
H = "Host: 127.0.0.1:7878\r\n"


def req(line, *headers, body=""):
    return line + "\r\n" + "".join(h + "\r\n" for h in headers) + "\r\n" + body


GET = req("GET / HTTP/1.1", "Host: h")

REAL = {
    "chrome-get": req(
        "GET / HTTP/1.1", "Host: 127.0.0.1:7878", "Connection: keep-alive",
        'sec-ch-ua: "Chromium";v="131", "Not_A Brand";v="24"', "sec-ch-ua-mobile: ?0",
        'sec-ch-ua-platform: "Linux"', "Upgrade-Insecure-Requests: 1",
        "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7",
        "Sec-Fetch-Site: none", "Sec-Fetch-Mode: navigate", "Sec-Fetch-User: ?1", "Sec-Fetch-Dest: document",
        "Accept-Encoding: gzip, deflate, br, zstd", "Accept-Language: en-US,en;q=0.9"),
    "chrome-favicon": req(
        "GET /favicon.ico HTTP/1.1", "Host: 127.0.0.1:7878", "Connection: keep-alive",
        "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        "Accept: image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8",
        "Sec-Fetch-Site: same-origin", "Sec-Fetch-Mode: no-cors", "Sec-Fetch-Dest: image",
        "Referer: http://127.0.0.1:7878/", "Accept-Encoding: gzip, deflate, br, zstd", "Accept-Language: en-US,en;q=0.9"),
    "firefox-get": req(
        "GET /hello.html?lang=en HTTP/1.1", "Host: localhost:7878",
        "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
        "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        "Accept-Language: en-US,en;q=0.5", "Accept-Encoding: gzip, deflate, br, zstd", "Connection: keep-alive",
        "Upgrade-Insecure-Requests: 1", "Sec-Fetch-Dest: document", "Sec-Fetch-Mode: navigate",
        "Sec-Fetch-Site: none", "Sec-Fetch-User: ?1", "Priority: u=0, i"),
    "firefox-conditional": req(
        "GET /style.css HTTP/1.1", "Host: localhost:7878",
        "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
        "Accept: text/css,*/*;q=0.1", "Referer: http://localhost:7878/", "Connection: keep-alive",
        'If-None-Match: "5f3a-1b"', "If-Modified-Since: Sun, 22 Nov 2026 00:59:20 GMT", "Cache-Control: max-age=0"),
    "curl-get": req("GET / HTTP/1.1", H.strip(), "User-Agent: curl/8.11.1", "Accept: */*"),
    "curl-head": req("HEAD /sleep HTTP/1.1", H.strip(), "User-Agent: curl/8.11.1", "Accept: */*"),
    "curl-post-form": req(
        "POST /form HTTP/1.1", H.strip(), "User-Agent: curl/8.11.1", "Accept: */*",
        "Content-Length: 9", "Content-Type: application/x-www-form-urlencoded", body="a=1&b=two"),
    "curl-put-expect-100": req(
        "PUT /upload HTTP/1.1", H.strip(), "User-Agent: curl/8.11.1", "Accept: */*",
        "Content-Length: 12", "Expect: 100-continue", body="hello world\n"),
    "curl-chunked-upload": req(
        "POST /up HTTP/1.1", H.strip(), "User-Agent: curl/8.11.1", "Accept: */*",
        "Transfer-Encoding: chunked", "Content-Type: application/octet-stream",
        body="6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n"),
    "curl-absolute-form-proxy": req(
        "GET http://127.0.0.1:7878/index.html HTTP/1.1", H.strip(), "User-Agent: curl/8.11.1",
        "Accept: */*", "Proxy-Connection: Keep-Alive"),
    "curl-http10": req("GET / HTTP/1.0", "Host: 127.0.0.1:7878", "User-Agent: curl/8.11.1", "Accept: */*"),
    "ab-http10": req("GET / HTTP/1.0", "Host: 127.0.0.1:7878", "User-Agent: ApacheBench/2.3", "Accept: */*"),
    "ab-k-http10-keep-alive": req(
        "GET / HTTP/1.0", "Connection: Keep-Alive", "Host: 127.0.0.1:7878", "User-Agent: ApacheBench/2.3", "Accept: */*"),
    "wrk-get": req("GET / HTTP/1.1", "Host: 127.0.0.1:7878"),
    "options-asterisk": req("OPTIONS * HTTP/1.1", "Host: h"),
    "delete-405": req("DELETE /x HTTP/1.1", "Host: h"),
    "leading-empty-lines": "\r\n\r\n" + GET,
    "bare-lf-line-ends": "GET /lf HTTP/1.1\nHost: h\nAccept: */*\n\n",
    "obs-text-value": req("GET / HTTP/1.1", "Host: h", "X-Name: M\xfcller caf\xe9"),
    "tab-in-value": req("GET / HTTP/1.1", "Host: h", "X-T:\tone\ttwo\t"),
    "empty-host-http10": req("GET / HTTP/1.0", "Host:"),
    "cl-zero": req("POST / HTTP/1.1", "Host: h", "Content-Length: 0"),
    "cl-same-twice": req("POST / HTTP/1.1", "Host: h", "Content-Length: 3", "content-length: 3", body="abc"),
    "cl-leading-zeros": req("POST / HTTP/1.1", "Host: h", "Content-Length: 0003", body="abc"),
    "cl-at-body-limit": req("POST / HTTP/1.1", "Host: h", "Content-Length: 64", body="b" * 64),
    "chunked-extensions-trailers": req(
        "POST /c HTTP/1.1", "Host: h", "Transfer-Encoding: chunked",
        body='5;name=value\r\nhello\r\n1A;a="b;c";d\r\nabcdefghijklmnopqrstuvwxyz\r\n0;last\r\nExpires: never\r\nX-Sum: 31\r\n\r\n'),
    "chunked-uppercase-bws": req(
        "POST /c HTTP/1.1", "Host: h", "Transfer-Encoding: CHUNKED",
        body="A ;x\r\n0123456789\r\n0\t;x\r\n\r\n"),
    "chunked-extensions-bws-quoted": req(
        "POST /c HTTP/1.1", "Host: h", "Transfer-Encoding: chunked",
        body='5 ; a = "b\\"c; d" ;e=f\r\nhello\r\n0;z\r\nX-T: \tv\xe9 1\r\nY:\r\n\r\n'),
    "host-ipv6-port": req("GET / HTTP/1.1", "Host: [::1]:7878"),
    "host-ipv4-mapped": req("GET / HTTP/1.1", "Host: [::ffff:127.0.0.1]"),
    "host-empty-port": req("GET / HTTP/1.1", "Host: localhost:"),
    "host-pct-sub-delims": req("GET / HTTP/1.1", "Host: a%41!$&'()*+;=b.example"),
    "absolute-form-ipv6": req("GET http://[2001:db8::1]:8080/x?y HTTP/1.1", "Host: h"),
    "chunked-16-digit-size": req(
        "POST /c HTTP/1.1", "Host: h", "Transfer-Encoding: chunked",
        body="0000000000000004\r\nabcd\r\n0000000000000000\r\n\r\n"),
    "chunked-at-body-limit": req(
        "POST /c HTTP/1.1", "Host: h", "Transfer-Encoding: chunked",
        body="20\r\n" + "x" * 32 + "\r\n20\r\n" + "y" * 32 + "\r\n0\r\n\r\n"),
    "head-at-256-bytes": None,  # filled in below
    # Routes: paths that must never leave the root (404) or are malformed (400).
    "path-dot-dot": req("GET /../etc/passwd HTTP/1.1", "Host: h"),
    "path-encoded-dot-dot": req("GET /%2e%2E/etc/passwd HTTP/1.1", "Host: h"),
    "path-encoded-slash": req("GET /a%2Fb HTTP/1.1", "Host: h"),
    "path-encoded-nul": req("GET /a%00.html HTTP/1.1", "Host: h"),
    "path-double-slash": req("GET //etc/passwd HTTP/1.1", "Host: h"),
    "path-bad-percent": req("GET /a%zz HTTP/1.1", "Host: h"),
    "path-utf8": req("GET /caf%C3%A9.html?q=%ff HTTP/1.1", "Host: h"),
    "path-invalid-utf8": req("GET /%ff%fe HTTP/1.1", "Host: h"),
    "path-absolute-dot-dot": req("GET http://h/a/../../x HTTP/1.1", "Host: h"),
    "pipelined-three-gets": req("GET /a HTTP/1.1", "Host: h") + req("GET /b HTTP/1.1", "Host: h", "Accept: */*")
        + req("GET /c HTTP/1.1", "Host: h"),
    "pipelined-wrk-batch": req("GET / HTTP/1.1", "Host: 127.0.0.1:7878") * 8,
    "pipelined-bodies": req("POST /a HTTP/1.1", "Host: h", "Content-Length: 5", body="hello")
        + req("POST /b HTTP/1.1", "Host: h", "Transfer-Encoding: chunked", body="3\r\nabc\r\n0\r\nT: 1\r\n\r\n")
        + req("GET /c HTTP/1.1", "Host: h"),
    "pipelined-body-looks-like-request": req("POST /a HTTP/1.1", "Host: h", "Content-Length: 29", body=GET.replace("/", "/n", 1)[:29])
        + req("GET /yes HTTP/1.1", "Host: h"),
    "pipelined-ends-mid-head": GET + "GET /b HTTP/1.1\r\nHo",
    "conditional-range": req("GET /big.bin HTTP/1.1", "Host: h", "Range: bytes=100-199", 'If-Range: "6afd86c0-3e8"',
                             'If-None-Match: W/"a", "b"', "If-None-Match: *", "If-Modified-Since: Sun, 22 Nov 2026 00:59:20 GMT"),
    "conditional-twice": req("GET /f HTTP/1.1", "Host: h", "Range: bytes=0-1", "range: bytes=2-3",
                             "If-Modified-Since: Sunday, 06-Nov-94 08:49:37 GMT", "if-modified-since: Sun Nov  6 08:49:37 1994"),
    "pipelined-ends-mid-chunked-body": req("POST /a HTTP/1.1", "Host: h", "Transfer-Encoding: chunked", body="5\r\nhel"),
}
line = "GET /" + "a" * 10 + " HTTP/1.1\r\nHost: h\r\n"
REAL["head-at-256-bytes"] = line + "X: " + "v" * (256 - len(line) - 7) + "\r\n\r\n"
assert len(REAL["head-at-256-bytes"]) == 256

# Docs/HTTP.md: every way to be refused, with its status.
BAD = {
    # The request line is exactly METHOD SP TARGET SP HTTP/d.d: else 400.
    "400-request-line-double-space": req("GET  / HTTP/1.1", "Host: h"),
    "400-request-line-trailing-space": req("GET / HTTP/1.1 ", "Host: h"),
    "400-request-line-leading-space": req(" GET / HTTP/1.1", "Host: h"),
    "400-request-line-tab": req("GET\t/ HTTP/1.1", "Host: h"),
    "400-request-line-no-version": req("GET /", "Host: h"),
    "400-request-line-no-target": req("GET HTTP/1.1", "Host: h"),
    "400-request-line-four-parts": req("GET / x HTTP/1.1", "Host: h"),
    "400-lowercase-http": req("GET / http/1.1", "Host: h"),
    "400-version-two-digits": req("GET / HTTP/1.10", "Host: h"),
    "400-method-not-token": req("GE(T / HTTP/1.1", "Host: h"),
    "400-garbage": "hello\r\n\r\n",
    "400-tls-client-hello": "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + "\x5a" * 32,
    # That shape with another version: 505.
    "505-http-2.0": req("GET / HTTP/2.0", "Host: h"),
    "505-http-1.2": req("GET / HTTP/1.2", "Host: h"),
    "505-http-0.9": req("GET / HTTP/0.9"),
    "505-h2-preface": "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    # TARGET: origin-form or absolute-form in visible ASCII, * only with OPTIONS; else 400.
    "400-target-relative": req("GET index.html HTTP/1.1", "Host: h"),
    "400-target-asterisk-not-options": req("GET * HTTP/1.1", "Host: h"),
    "400-target-authority-form": req("CONNECT example.com:443 HTTP/1.1", "Host: example.com:443"),
    "400-target-absolute-no-host": req("GET http:///x HTTP/1.1", "Host: h"),
    "400-target-other-scheme": req("GET ftp://h/x HTTP/1.1", "Host: h"),
    "400-target-non-ascii": req("GET /caf\xe9 HTTP/1.1", "Host: h"),
    "400-target-del": req("GET /a\x7fb HTTP/1.1", "Host: h"),
    # Host: HTTP/1.1 without one, or two: 400.
    "400-http11-no-host": req("GET / HTTP/1.1", "Accept: */*"),
    "400-two-hosts": req("GET / HTTP/1.1", "Host: a", "Host: b"),
    "400-two-hosts-http10": req("GET / HTTP/1.0", "Host: a", "host: a"),
    # Host (Additions v3): uri-host [ ":" port ]; an absolute-form authority too, with a host.
    "400-host-userinfo": req("GET / HTTP/1.1", "Host: user@h"),
    "400-host-path": req("GET / HTTP/1.1", "Host: h/x"),
    "400-host-list": req("GET / HTTP/1.1", "Host: a, b"),
    "400-host-inner-space": req("GET / HTTP/1.1", "Host: a b"),
    "400-host-port-letters": req("GET / HTTP/1.1", "Host: h:http"),
    "400-host-bad-ipv6": req("GET / HTTP/1.1", "Host: [1::2::3]"),
    "400-host-http10": req("GET / HTTP/1.0", "Host: h?q"),
    "400-target-absolute-userinfo": req("GET http://user@h/ HTTP/1.1", "Host: h"),
    "400-target-absolute-empty-host": req("GET http://:80/ HTTP/1.1", "Host: h"),
    # Content-Length: a non-empty string of digits, once or repeated identically; else 400.
    "400-cl-letters": req("POST / HTTP/1.1", "Host: h", "Content-Length: abc"),
    "400-cl-empty": req("POST / HTTP/1.1", "Host: h", "Content-Length:"),
    "400-cl-negative": req("POST / HTTP/1.1", "Host: h", "Content-Length: -1"),
    "400-cl-plus": req("POST / HTTP/1.1", "Host: h", "Content-Length: +5", body="hello"),
    "400-cl-hex": req("POST / HTTP/1.1", "Host: h", "Content-Length: 0x5", body="hello"),
    "400-cl-inner-space": req("POST / HTTP/1.1", "Host: h", "Content-Length: 1 2"),
    "400-cl-comma-list": req("POST / HTTP/1.1", "Host: h", "Content-Length: 5, 5", body="hello"),
    "400-cl-two-values": req("POST / HTTP/1.1", "Host: h", "Content-Length: 5", "Content-Length: 6", body="hello!"),
    # Both Transfer-Encoding and Content-Length: 400 (either order).
    "400-te-and-cl": req("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: chunked", "Content-Length: 5", body="0\r\n\r\n"),
    "400-cl-and-te": req("POST / HTTP/1.1", "Host: h", "Content-Length: 5", "Transfer-Encoding: chunked", body="0\r\n\r\n"),
    # Transfer-Encoding: last coding not chunked, or chunked twice: 400; other codings before chunked: 501.
    "400-te-gzip": req("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: gzip"),
    "400-te-chunked-then-gzip": req("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: chunked, gzip"),
    "400-te-chunked-twice": req("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: chunked, chunked", body="0\r\n\r\n"),
    "400-te-chunked-twice-lines": req("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: chunked", "Transfer-Encoding: chunked"),
    "400-te-empty": req("POST / HTTP/1.1", "Host: h", "Transfer-Encoding:"),
    "400-te-http10": req("POST / HTTP/1.0", "Transfer-Encoding: chunked", body="0\r\n\r\n"),
    "501-te-gzip-chunked": req("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: gzip, chunked", body="0\r\n\r\n"),
    "501-te-two-lines": req("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: deflate", "Transfer-Encoding: Chunked", body="0\r\n\r\n"),
    # Header lines: whitespace before the colon, obs-fold, no colon, controls: 400.
    "400-space-before-colon": req("GET / HTTP/1.1", "Host : h"),
    "400-tab-before-colon": req("GET / HTTP/1.1", "Host: h", "X\t: v"),
    "400-obs-fold": req("GET / HTTP/1.1", "Host: h", "X: a", " b"),
    "400-obs-fold-tab": req("GET / HTTP/1.1", "Host: h", "X: a", "\tb"),
    "400-header-no-colon": req("GET / HTTP/1.1", "Host: h", "NoColon"),
    "400-header-empty-name": req("GET / HTTP/1.1", "Host: h", ": v"),
    "400-header-name-not-token": req("GET / HTTP/1.1", "Host: h", "X(Y): v"),
    "400-header-value-control": req("GET / HTTP/1.1", "Host: h", "X: a\x01b"),
    "400-header-value-del": req("GET / HTTP/1.1", "Host: h", "X: a\x7f"),
    # Bare CR and NUL bytes: 400.
    "400-bare-cr-request-line": "GET / HTTP/1.1\rHost: h\r\n\r\n",
    "400-bare-cr-in-value": req("GET / HTTP/1.1", "Host: h", "X: a\rb"),
    "400-bare-cr-ends-head": "GET / HTTP/1.1\r\nHost: h\r\n\r\r\n",
    "400-nul-in-target": req("GET /a\x00b HTTP/1.1", "Host: h"),
    "400-nul-in-value": req("GET / HTTP/1.1", "Host: h", "X: \x00"),
    "400-nul-first-byte": "\x00GET / HTTP/1.1\r\n\r\n",
    # Broken chunked framing: 400 (a chunk size of more than 16 hex digits too).
    "400-chunk-size-not-hex": req("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: chunked", body="zz\r\nhello\r\n0\r\n\r\n"),
    "400-chunk-size-17-digits": req("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: chunked", body="00000000000000005\r\nhello\r\n0\r\n\r\n"),
    "400-chunk-size-empty": req("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: chunked", body="\r\nhello\r\n0\r\n\r\n"),
    "400-chunk-data-too-long": req("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: chunked", body="3\r\nhello\r\n0\r\n\r\n"),
    "400-chunk-lf-only-after-data": req("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: chunked", body="5\r\nhello\n0\r\n\r\n"),
    "400-chunk-lf-only-after-size": req("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: chunked", body="5\nhello\r\n0\r\n\r\n"),
    "400-chunk-extension-control": req("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: chunked", body="5;\x01\r\nhello\r\n0\r\n\r\n"),
    "400-chunk-trailer-bare-cr": req("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: chunked", body="0\r\nX: y\rz\r\n\r\n"),
    "400-chunk-trailer-lf-end": req("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: chunked", body="0\r\n\n"),
    "400-chunk-trailer-nul": req("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: chunked", body="0\r\nX: \x00\r\n\r\n"),
    # Additions (v3): a chunk-size line is HEX [ chunk-ext ] CRLF; a trailer line a field line.
    "400-chunk-size-word": req("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: chunked", body="2 erf\r\nab\r\n0\r\n\r\n"),
    "400-chunk-size-trailing-space": req("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: chunked", body="5 \r\nhello\r\n0\r\n\r\n"),
    "400-chunk-ext-space-after-name": req("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: chunked", body="5;a \r\nhello\r\n0\r\n\r\n"),
    "400-chunk-ext-value-not-token": req("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: chunked", body="5;a=b/c\r\nhello\r\n0\r\n\r\n"),
    "400-chunk-ext-unterminated-quote": req("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: chunked", body='5;a="b\r\nhello\r\n0\r\n\r\n'),
    "400-chunk-ext-empty-name": req("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: chunked", body="5;=b\r\nhello\r\n0\r\n\r\n"),
    "400-trailer-no-colon": req("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: chunked", body="0\r\nNoColon\r\n\r\n"),
    "400-trailer-space-before-colon": req("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: chunked", body="0\r\nX : y\r\n\r\n"),
    "400-trailer-obs-fold": req("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: chunked", body="0\r\nX: y\r\n z\r\n\r\n"),
    "400-trailer-control": req("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: chunked", body="0\r\nX: a\x1bb\r\n\r\n"),
    # Past --max-body-bytes (64 in the small limits): 413.
    "413-cl-over-limit": req("POST / HTTP/1.1", "Host: h", "Content-Length: 65"),
    "413-cl-huge": req("POST / HTTP/1.1", "Host: h", "Content-Length: 99999999999999999999999"),
    "413-chunked-over-limit": req("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: chunked",
                                 body="40\r\n" + "x" * 64 + "\r\n1\r\ny\r\n0\r\n\r\n"),
    "413-chunk-size-huge": req("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: chunked", body="ffffffffffffffff\r\n"),
    # Past --max-header-bytes (256 in the small limits): 414 in the request line, else 431.
    "414-long-request-line": req("GET /" + "a" * 300 + " HTTP/1.1", "Host: h"),
    "414-no-line-end": "GET /" + "b" * 300,
    "431-many-headers": req("GET / HTTP/1.1", "Host: h", *["X-Header-%02d: value" % i for i in range(16)]),
    "431-head-at-257-bytes": REAL["head-at-256-bytes"].replace("X: ", "X: v", 1),
}

# The connection's own rules: keep-alive, closing, 100-continue.
CONNECTION = {
    "ka-http11-close-then-ignored": req("GET /a HTTP/1.1", "Host: h") + req("GET /b HTTP/1.1", "Host: h", "Connection: close")
        + req("GET /ignored HTTP/1.1", "Host: h"),
    "ka-http10-closes": req("GET /a HTTP/1.0") + req("GET /ignored HTTP/1.0"),
    "ka-http10-keep-alive-sequence": req("GET /a HTTP/1.0", "Connection: keep-alive") * 3 + req("GET /last HTTP/1.0"),
    "ka-connection-list": req("GET / HTTP/1.1", "Host: h", "Connection: Upgrade, close") + GET,
    "ka-keep-alive-and-close": req("GET / HTTP/1.0", "Connection: keep-alive, close") + GET,
    "error-stops-pipeline": GET + req("GET / HTTP/2.0", "Host: h") + GET,
    "error-in-body-stops-pipeline": req("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: chunked", body="5\r\nhelloX") + GET,
    "expect-100-without-body": req("POST /up HTTP/1.1", "Host: h", "Content-Length: 5", "Expect: 100-continue"),
    "expect-100-with-body": req("POST /up HTTP/1.1", "Host: h", "Content-Length: 5", "Expect: 100-continue", body="hello") + GET,
    "expect-100-chunked": req("POST /up HTTP/1.1", "Host: h", "Transfer-Encoding: chunked", "Expect: 100-Continue",
                              body="3\r\nabc\r\n0\r\n\r\n") + GET,
    "expect-100-http10-ignored": req("POST /up HTTP/1.0", "Connection: keep-alive", "Content-Length: 2", "Expect: 100-continue", body="hi"),
    "expect-100-no-body-framing": req("GET / HTTP/1.1", "Host: h", "Expect: 100-continue") + GET,
    "get-with-body": req("GET /g HTTP/1.1", "Host: h", "Content-Length: 4", body="\r\n\r\n") + GET,
    "chunked-long-trailers": req("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: chunked",
                                 body="1\r\nx\r\n0\r\n" + "".join("X-Trailer-%04d: %s\r\n" % (i, "t" * 60) for i in range(110)) + "\r\n") + GET,
    "chunked-endless-extension": req("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: chunked",
                                     body="5;e=" + "v" * 8200 + "\r\nhello\r\n0\r\n\r\n") + GET,
    "chunked-many-small-chunks": req("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: chunked",
                                     body="1;e=1\r\nx\r\n" * 40 + "0\r\n\r\n") + GET,
}


def write(directory, cases, prefix):
    for name, text in cases.items():
        data = text.encode("latin-1")
        with open(os.path.join(directory, prefix + name), "wb") as f:
            f.write(data)


for target in ("parser", "connection"):
    directory = os.path.join(HERE, "corpus", target)
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory)
    write(directory, REAL, "ok-")
    write(directory, BAD, "bad-")
    if target == "connection":
        write(directory, CONNECTION, "conn-")
    print(target, len(os.listdir(directory)), "seeds")
