// The terminal benchmark's lowest floor for a relay process: bytes piped between two TCP sockets,
// no WebSocket parsing at all (the WebSocket handshake and frames pass through untouched) to the
// port given as its argument. Prints "up <port>" when listening.
import net from "node:net";

const targetPort = Number(process.argv[2]);
const server = net.createServer((client) => {
  client.setNoDelay(true);
  const upstream = net.connect({ host: "127.0.0.1", port: targetPort, noDelay: true });
  client.pipe(upstream);
  upstream.pipe(client);
  const close = () => (client.destroy(), upstream.destroy());
  client.on("error", close).on("close", close);
  upstream.on("error", close).on("close", close);
});
server.listen(0, "127.0.0.1", () => console.log(`up ${server.address().port}`));
