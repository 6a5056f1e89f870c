import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { isLoopbackAddress, loopbackPeerUid } from "../../../../lib/net/loopback-peer-uid";

describe("loopbackPeerUid", () => {
  it.runIf(process.platform === "linux")(
    "names the uid of the process at the other end of a loopback connection",
    async () => {
      const server = net.createServer();
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      const accepted = new Promise<net.Socket>((r) => server.once("connection", r));
      const client = net.connect((server.address() as net.AddressInfo).port, "127.0.0.1");
      const socket = await accepted;
      try {
        expect(loopbackPeerUid(socket)).toBe(process.getuid!());
      } finally {
        client.destroy();
        server.close();
      }
    },
  );

  it("reads the owner from the kernel's table, only for established connections", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "scion-procnet-"));
    // Port 0x1F90 = 8080 (the hub), 0xA2B4 = 41652 (the client); uid is the 8th field.
    fs.writeFileSync(
      path.join(dir, "tcp"),
      [
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
        "   0: 0100007F:A2B4 0100007F:1F90 06 00000000:00000000 03:00000A2C 00000000     0        0 0",
        "   1: 0100007F:A2B4 0100007F:1F90 01 00000000:00000000 00:00000000 00000000 200001        0 12345 1",
        "   2: 0100007F:1F90 0100007F:A2B4 01 00000000:00000000 00:00000000 00000000     0        0 12346 1",
      ].join("\n"),
    );
    expect(loopbackPeerUid({ remoteAddress: "127.0.0.1", remotePort: 41652, localPort: 8080 }, dir)).toBe(200001);
    expect(loopbackPeerUid({ remoteAddress: "10.0.0.2", remotePort: 41652, localPort: 8080 }, dir)).toBeUndefined();
    expect(loopbackPeerUid({ remoteAddress: "127.0.0.1", remotePort: 1, localPort: 8080 }, dir)).toBeUndefined();
    fs.rmSync(dir, { recursive: true });
  });

  it("knows loopback addresses in both families", () => {
    expect(isLoopbackAddress("127.0.0.1")).toBe(true);
    expect(isLoopbackAddress("::ffff:127.0.0.1")).toBe(true);
    expect(isLoopbackAddress("::1")).toBe(true);
    expect(isLoopbackAddress("10.88.0.1")).toBe(false);
  });
});
