"""A tiny real SMTP server on loopback for outbox tests: it accepts, or refuses by closing."""

import socketserver
import threading


class _Handler(socketserver.StreamRequestHandler):
    def handle(self):
        server = self.server
        if server.refuse:
            return  # close at once: the client sees the connection dropped
        self.wfile.write(b"220 test ESMTP\r\n")
        data_lines: list[bytes] = []
        in_data = False
        while True:
            line = self.rfile.readline()
            if not line:
                return
            if in_data:
                if line in (b".\r\n", b".\n"):
                    in_data = False
                    server.messages.append(b"".join(data_lines))
                    data_lines = []
                    self.wfile.write(b"250 OK queued\r\n")
                else:
                    data_lines.append(line)
                continue
            command = line[:4].upper()
            if command in (b"EHLO", b"HELO"):
                self.wfile.write(b"250 test\r\n")
            elif command == b"DATA":
                in_data = True
                self.wfile.write(b"354 go ahead\r\n")
            elif command == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 OK\r\n")


class SmtpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, *, refuse: bool):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.refuse = refuse
        self.messages: list[bytes] = []
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self.server_address[1]

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()
