import type http from "node:http";
import type net from "node:net";
import { StartupError } from "../runtime/startup-error";

/** Listens and resolves with the bound address; a busy or forbidden address is a one-line StartupError. */
export function listen(server: http.Server, host: string, port: number): Promise<net.AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off("listening", onListening);
      const where = `${host}:${port}`;
      if (err.code === "EADDRINUSE") reject(new StartupError(`PORT: ${where} is already in use`));
      else if (err.code === "EACCES") reject(new StartupError(`PORT: not permitted to listen on ${where}`));
      else if (err.code === "EADDRNOTAVAIL" || err.code === "ENOTFOUND")
        reject(new StartupError(`HOST: ${host} is not an address of this machine`));
      else reject(new StartupError(`HOST/PORT: cannot listen on ${where} (${err.code ?? err.message})`));
    };
    const onListening = () => {
      server.off("error", onError);
      resolve(server.address() as net.AddressInfo);
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, host);
  });
}

export function urlOf(address: net.AddressInfo): string {
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}
