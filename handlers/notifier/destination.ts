// Pure: which IP addresses a webhook may not reach. A webhook URL comes from a secret anyone with
// secretsmanager:PutSecretValue can change; the notifier runs inside the account (and, in a VPC,
// inside its network), so a URL naming a private or local address would let that person make the
// notifier POST signed requests to things that trust the network: the Lambda Runtime API on
// 127.0.0.1:9001 (AWS_LAMBDA_RUNTIME_API, https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html),
// link-local metadata endpoints (169.254.169.254, fd00:ec2::254,
// https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-retrieval.html), or hosts
// of a VPC. The ranges are the IANA special-purpose registries' "not globally reachable" entries
// the brief names (RFC 6890; RFC 1918 private, RFC 3927 / RFC 4291 link-local, RFC 4193 unique
// local), checked on the address actually connected to (transport.ts), never on the name.
import { isIP } from "node:net";

interface Range {
  readonly bits: readonly number[];
  readonly prefix: number;
  readonly label: string;
}

function v4(text: string): number[] | undefined {
  const parts = text.split(".");
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    return undefined;
  }
  return parts.map(Number);
}

/** The 16 bytes of an IPv6 address (zone id removed), or undefined when it is not one. */
function v6(text: string): number[] | undefined {
  const address = text.split("%")[0] ?? "";
  if (isIP(address) !== 6) return undefined;
  let head = address;
  // A trailing dotted quad (::ffff:127.0.0.1) is the last two hextets.
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (dotted) {
    const [a = 0, b = 0, c = 0, d = 0] = v4(dotted[2] ?? "") ?? [];
    head = `${dotted[1]}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [left = "", right] = head.split("::");
  const groups = (s: string): string[] => (s === "" ? [] : s.split(":"));
  const l = groups(left);
  const r = right === undefined ? [] : groups(right);
  const fill = right === undefined ? 0 : 8 - l.length - r.length;
  const hextets = [...l, ...Array<string>(fill).fill("0"), ...r].map((h) => parseInt(h, 16));
  if (hextets.length !== 8) return undefined;
  return hextets.flatMap((h) => [h >> 8, h & 0xff]);
}

function range(cidr: string, label: string): Range {
  const [base = "", prefix = ""] = cidr.split("/");
  const bits = base.includes(":") ? v6(base) : v4(base);
  if (!bits) throw new Error(`bad range ${cidr}`);
  return { bits, prefix: Number(prefix), label: `${label} (${cidr})` };
}

const V4_REFUSED: readonly Range[] = [
  range("0.0.0.0/8", "unspecified"),
  range("10.0.0.0/8", "private"),
  range("127.0.0.0/8", "loopback"),
  range("169.254.0.0/16", "link-local"),
  range("172.16.0.0/12", "private"),
  range("192.168.0.0/16", "private"),
];

const V6_REFUSED: readonly Range[] = [
  range("::/128", "unspecified"),
  range("::1/128", "loopback"),
  range("fe80::/10", "link-local"),
  range("fc00::/7", "unique local"),
];

function within(bytes: readonly number[], r: Range): boolean {
  for (let bit = 0; bit < r.prefix; bit++) {
    const i = bit >> 3;
    const mask = 0x80 >> (bit & 7);
    if (((bytes[i] ?? 0) & mask) !== ((r.bits[i] ?? 0) & mask)) return false;
  }
  return true;
}

/**
 * Why `address` (an IPv4 or IPv6 literal, brackets removed) may not be a webhook destination, e.g.
 * "loopback (127.0.0.0/8)", or undefined when it may. An IPv4-mapped IPv6 address
 * (::ffff:a.b.c.d, RFC 4291 §2.5.5.2) is judged by its IPv4 address, since connecting to it
 * reaches that address. Anything that is not an IP literal is refused: only resolved addresses are
 * judged here.
 */
export function refusedDestination(address: string): string | undefined {
  const four = v4(address);
  if (four) return V4_REFUSED.find((r) => within(four, r))?.label;
  const six = v6(address);
  if (!six) return "not an IP address";
  const mapped = six.slice(0, 10).every((b) => b === 0) && six[10] === 0xff && six[11] === 0xff;
  if (mapped) {
    const inner = refusedDestination(six.slice(12).join("."));
    return inner === undefined ? undefined : `IPv4-mapped ${inner}`;
  }
  return V6_REFUSED.find((r) => within(six, r))?.label;
}
