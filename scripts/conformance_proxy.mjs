// Loopback proxy for scripts/conformance.sh: the conformance suite sends no Authorization
// header, so this adds the sandbox's demo token to requests that carry none and forwards
// everything else untouched (Host and Origin included, which the DNS-rebinding check reads).
// Usage: node conformance_proxy.mjs <upstream origin> <access token>; prints its port.
import http from "node:http";

const [upstream, token] = process.argv.slice(2);
if (!upstream || !token) {
  console.error("usage: conformance_proxy.mjs <upstream origin> <access token>");
  process.exit(2);
}
const target = new URL(upstream);

const server = http.createServer((req, res) => {
  const headers = { ...req.headers };
  if (headers.authorization === undefined) {
    headers.authorization = `Bearer ${token}`;
  }
  const forward = http.request(
    { hostname: target.hostname, port: target.port, path: req.url, method: req.method, headers },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  forward.on("error", (error) => {
    if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
    res.end(`proxy: ${error.message}`);
  });
  req.pipe(forward);
});

server.listen(0, "127.0.0.1", () => console.log(server.address().port));
