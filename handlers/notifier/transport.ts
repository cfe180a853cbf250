// The notifier's HTTP client: one POST over node:http(s) whose destination is judged on the
// address it actually connects to. A name is resolved once, by the `lookup` the socket uses to
// connect (net.connect `lookup` option, https://nodejs.org/api/net.html#socketconnectoptions-connectlistener),
// so a name that answers a public address to a check and a private one to the connection (DNS
// rebinding) is judged on the second; an IP literal, which net.connect never looks up, is judged
// before connecting. TLS still verifies the certificate against the URL's host name (SNI and
// checkServerIdentity use the host, not the address). Redirects are never followed (node:http
// does not), and nothing here logs or throws the URL or an address.
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { refusedDestination } from "./destination";

/** What one webhook POST sends; a subset of fetch's RequestInit, so tests can pass `fetch`. */
export interface WebhookRequest {
  readonly method: "POST";
  readonly headers: Record<string, string>;
  readonly body: Uint8Array;
  readonly redirect: "manual";
  readonly signal: AbortSignal;
  /** The webhook's `allowPrivateNetwork` (config notifications.webhooks[]): skip the check. */
  readonly allowPrivateNetwork: boolean;
}

/** The error of a refused destination; `code` is what the logs show (adapters networkCode). */
export class DestinationRefused extends Error {
  readonly code = "DESTINATION_REFUSED";

  constructor(reason: string) {
    // The reason names a range ("loopback (127.0.0.0/8)"), never the address or the URL.
    super(`webhook destination refused: ${reason}`);
    this.name = "DestinationRefused";
  }
}

/** A `lookup` that resolves like dns.lookup and refuses the host if any address is refused. */
export function guardedLookup(resolve: typeof dnsLookup = dnsLookup): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, "", 0);
      const reasons = addresses.map((a) => refusedDestination(a.address));
      const refused = reasons.find((r) => r !== undefined);
      if (refused !== undefined || addresses.length === 0) {
        return callback(new DestinationRefused(refused ?? "no address"), "", 0);
      }
      if (options.all === true) return callback(null, addresses);
      const first = addresses[0] as LookupAddress;
      return callback(null, first.address, first.family);
    });
  };
}

/**
 * POSTs `init.body` to `url`, resolving to a Response with the status only (the notifier never
 * reads a receiver's body). Rejects with DestinationRefused for a loopback, link-local, private or
 * unspecified destination unless `init.allowPrivateNetwork`, and with the socket's error otherwise.
 */
export function guardedFetch(url: string, init: WebhookRequest): Promise<Response> {
  return createGuardedFetch()(url, init);
}

/** guardedFetch with its resolver as a parameter (tests pass a stub resolver). */
export function createGuardedFetch(
  resolveName: typeof dnsLookup = dnsLookup,
): (url: string, init: WebhookRequest) => Promise<Response> {
  return (url, init) => send(url, init, resolveName);
}

function send(url: string, init: WebhookRequest, resolveName: typeof dnsLookup): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    const target = new URL(url);
    const host = target.hostname.replace(/^\[(.*)\]$/, "$1");
    if (!init.allowPrivateNetwork && isIP(host) !== 0) {
      const refused = refusedDestination(host);
      if (refused !== undefined) return reject(new DestinationRefused(refused));
    }
    const request = target.protocol === "https:" ? httpsRequest : httpRequest;
    const req = request(
      target,
      {
        method: init.method,
        headers: init.headers,
        signal: init.signal,
        ...(init.allowPrivateNetwork ? {} : { lookup: guardedLookup(resolveName) }),
      },
      (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        // Response only holds 200-599; anything else is no success either.
        if (status < 200 || status > 599) {
          reject(Object.assign(new Error("unexpected HTTP status"), { code: "BAD_HTTP_STATUS" }));
        } else {
          resolve(new Response(null, { status }));
        }
      },
    );
    req.on("error", reject);
    req.end(init.body);
  });
}
