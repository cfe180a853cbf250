// The notifier's destination check: the pure range table (handlers/notifier/destination.ts), the
// connect-time `lookup` (transport.ts guardedLookup) with a stub resolver, and guardedFetch against
// a real HTTP server on 127.0.0.1 and a stub resolver that answers a private address.
//
// What this does NOT prove: that Lambda's resolver answers like the stub (only that whatever it
// answers is judged, once, on the connection's own lookup); that the range table is every range
// someone might call internal (it is the brief's list plus 0.0.0.0/8 and ::; NAT64 64:ff9b::/96 and
// 100.64.0.0/10 are not refused); TLS to a real receiver (the https path differs only in the
// module, node:https, which takes the same `lookup` option).
import assert from "node:assert/strict";
import type { LookupAddress, lookup as dnsLookup } from "node:dns";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { refusedDestination } from "../../handlers/notifier/destination";
import {
  createGuardedFetch,
  DestinationRefused,
  guardedLookup,
  type WebhookRequest,
} from "../../handlers/notifier/transport";

describe("notifier destination check (pure): loopback, link-local, private and unspecified addresses are refused (RFC 6890 special-purpose registries, RFC 1918, RFC 4193, RFC 4291)", () => {
  const table: [string, string | undefined][] = [
    ["127.0.0.1", "loopback (127.0.0.0/8)"],
    ["127.255.255.254", "loopback (127.0.0.0/8)"],
    ["10.0.0.1", "private (10.0.0.0/8)"],
    ["172.16.0.1", "private (172.16.0.0/12)"],
    ["172.31.255.255", "private (172.16.0.0/12)"],
    ["192.168.0.1", "private (192.168.0.0/16)"],
    ["169.254.169.254", "link-local (169.254.0.0/16)"],
    ["0.0.0.0", "unspecified (0.0.0.0/8)"],
    ["::1", "loopback (::1/128)"],
    ["::", "unspecified (::/128)"],
    ["fe80::1", "link-local (fe80::/10)"],
    ["fe80::1%eth0", "link-local (fe80::/10)"],
    ["febf:ffff::1", "link-local (fe80::/10)"],
    ["fd00:ec2::254", "unique local (fc00::/7)"],
    ["fc00::1", "unique local (fc00::/7)"],
    ["::ffff:127.0.0.1", "IPv4-mapped loopback (127.0.0.0/8)"],
    ["::ffff:7f00:1", "IPv4-mapped loopback (127.0.0.0/8)"],
    ["::ffff:a9fe:a9fe", "IPv4-mapped link-local (169.254.0.0/16)"],
    ["0:0:0:0:0:ffff:10.1.2.3", "IPv4-mapped private (10.0.0.0/8)"],
    ["tickets.example.com", "not an IP address"],
    ["1.2.3", "not an IP address"],
    // Allowed: public addresses, and the neighbours of every refused range.
    ["8.8.8.8", undefined],
    ["11.0.0.1", undefined],
    ["126.255.255.255", undefined],
    ["128.0.0.1", undefined],
    ["172.15.255.255", undefined],
    ["172.32.0.1", undefined],
    ["192.169.0.1", undefined],
    ["169.253.255.255", undefined],
    ["1.0.0.0", undefined],
    ["::2", undefined],
    ["fec0::1", undefined],
    ["fe7f::1", undefined],
    ["fbff::1", undefined],
    ["fe00::1", undefined],
    ["2600:1f18::1", undefined],
    ["::ffff:8.8.8.8", undefined],
  ];
  for (const [address, expected] of table) {
    it(`${address} → ${expected ?? "allowed"}`, () => {
      assert.equal(refusedDestination(address), expected);
    });
  }
});

/** A resolver stub with dns.lookup's callback shape that answers `answers` for every name. */
function stubResolver(answers: LookupAddress[], calls: string[]): typeof dnsLookup {
  const stub = (
    hostname: string,
    _options: unknown,
    callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
  ): void => {
    calls.push(hostname);
    callback(null, answers);
  };
  return stub as unknown as typeof dnsLookup;
}

function lookupOnce(
  answers: LookupAddress[],
  all: boolean,
): Promise<{ err: unknown; result: unknown }> {
  const calls: string[] = [];
  return new Promise((resolve) => {
    guardedLookup(stubResolver(answers, calls))("hooks.example.com", { all }, (err, address) =>
      resolve({ err, result: address }),
    );
  });
}

describe("notifier connect-time lookup (transport.ts guardedLookup, the net.connect `lookup` option)", () => {
  it("passes public answers through, as a list when net asks for all (autoSelectFamily) and as one address otherwise", async () => {
    const answers = [
      { address: "93.184.215.14", family: 4 },
      { address: "2606:2800:21f:cb07:6820:80da:af6b:8b2c", family: 6 },
    ];
    assert.deepEqual(await lookupOnce(answers, true), { err: null, result: answers });
    assert.deepEqual(await lookupOnce(answers, false), { err: null, result: "93.184.215.14" });
  });

  it("refuses the name when any answer is refused (a rebinding name answering public and private)", async () => {
    const { err } = await lookupOnce(
      [
        { address: "93.184.215.14", family: 4 },
        { address: "10.0.0.5", family: 4 },
      ],
      true,
    );
    assert.ok(err instanceof DestinationRefused);
    assert.equal(err.code, "DESTINATION_REFUSED");
    assert.equal(err.message, "webhook destination refused: private (10.0.0.0/8)");
  });
});

describe("notifier guardedFetch (real HTTP server on 127.0.0.1)", () => {
  let server: http.Server;
  let port = 0;
  let received = 0;

  before(async () => {
    server = http.createServer((req, res) => {
      received++;
      req.resume();
      req.on("end", () => res.writeHead(204).end());
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  beforeEach(() => {
    received = 0;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const request = (allowPrivateNetwork: boolean): WebhookRequest => ({
    method: "POST",
    headers: { "content-type": "application/json" },
    body: new TextEncoder().encode("{}"),
    redirect: "manual",
    signal: AbortSignal.timeout(2000),
    allowPrivateNetwork,
  });

  it("reaches a loopback receiver only with allowPrivateNetwork, and reports its status", async () => {
    const guarded = createGuardedFetch();
    const res = await guarded(`http://127.0.0.1:${port}/hook`, request(true));
    assert.equal(res.status, 204);
    assert.equal(received, 1);
    await assert.rejects(guarded(`http://127.0.0.1:${port}/hook`, request(false)), {
      name: "DestinationRefused",
      code: "DESTINATION_REFUSED",
      message: "webhook destination refused: loopback (127.0.0.0/8)",
    });
    assert.equal(received, 1);
  });

  it("judges a name on the answer its own connection uses: one lookup, answered 127.0.0.1, refused, nothing sent", async () => {
    const calls: string[] = [];
    const guarded = createGuardedFetch(stubResolver([{ address: "127.0.0.1", family: 4 }], calls));
    await assert.rejects(guarded(`http://rebind.example.com:${port}/hook`, request(false)), {
      code: "DESTINATION_REFUSED",
      message: "webhook destination refused: loopback (127.0.0.0/8)",
    });
    assert.deepEqual(calls, ["rebind.example.com"]);
    assert.equal(received, 0);
  });

  it("with allowPrivateNetwork the guard is out of the path: its resolver is never consulted", async () => {
    const calls: string[] = [];
    const guarded = createGuardedFetch(stubResolver([{ address: "127.0.0.1", family: 4 }], calls));
    const res = await guarded(`http://127.0.0.1:${port}/hook`, request(true));
    assert.equal(res.status, 204);
    assert.deepEqual(calls, []);
  });
});
