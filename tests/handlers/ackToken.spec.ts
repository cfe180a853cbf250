/**
 * The acknowledgement token (handlers/shared/ackToken.ts) as pure code: literal tokens for a fixed
 * key (their MACs were computed independently with `openssl dgst -sha256 -hmac`), a table of
 * refusals, and property tests that no altered token verifies.
 *
 * What this spec does NOT prove:
 * - that the deployed key is secret and random (components/engine/ackEndpoint.ts generates it
 *   with random.RandomPassword; the component spec checks the secret's wiring, not entropy);
 * - that verification runs in constant time on real hardware: it uses crypto.timingSafeEqual
 *   ("the time taken is independent of the contents", Node.js crypto docs), which is not timed here;
 * - what the endpoint does with a result (tests/handlers/ack.spec.ts).
 */
import { strict as assert } from "node:assert";
import { createHmac } from "node:crypto";
import fc from "fast-check";
import {
  ackLink,
  ackPath,
  signAckToken,
  verifyAckToken,
  type AckClaims,
} from "../../handlers/shared/ackToken";

const KEY = "k".repeat(32);
const OTHER_KEY = "x".repeat(32);
const EXPIRES = 1_796_000_000;
const CLAIMS: AckClaims = {
  incidentId: "inc-1",
  contactAlias: "suzuki",
  channel: "sms",
  expiresAt: EXPIRES,
};
/** `a1.` + base64url('["inc-1","suzuki","sms",1796000000]') + `.` + HMAC (openssl). */
const TOKEN =
  "a1.WyJpbmMtMSIsInN1enVraSIsInNtcyIsMTc5NjAwMDAwMF0.t7dl7elVhIfaKIOWqM7Qk0LpjsF6E6VRMRPRKSU9rNs";

describe("ack token: HMAC-SHA256 over version, incident, contact, channel and expiry", () => {
  it("signs the claims as the literal token (MAC computed independently with openssl)", () => {
    assert.equal(signAckToken(CLAIMS, KEY), TOKEN);
    assert.equal(
      signAckToken(
        {
          incidentId: "ie-prod-api-5xx-20261202T010203Z",
          contactAlias: "sato",
          channel: "email",
          expiresAt: EXPIRES,
        },
        KEY,
      ),
      "a1.WyJpZS1wcm9kLWFwaS01eHgtMjAyNjEyMDJUMDEwMjAzWiIsInNhdG8iLCJlbWFpbCIsMTc5NjAwMDAwMF0.XMyReFiJLv9B35QwJuKEedVPFy231hmNU2P4j3sURj4",
    );
  });

  it("ackLink is <base>/ack/<incident>?t=<token>, a trailing slash of a function URL dropped", () => {
    assert.equal(
      ackLink(
        "inc-1",
        "suzuki",
        "sms",
        EXPIRES,
        KEY,
        "https://abc.lambda-url.ap-northeast-1.on.aws/",
      ),
      `https://abc.lambda-url.ap-northeast-1.on.aws/ack/inc-1?t=${TOKEN}`,
    );
    assert.equal(ackPath("inc-1"), "/ack/inc-1");
  });

  it("verifies an authentic token before its expiry, with its claims", () => {
    assert.deepEqual(verifyAckToken(TOKEN, KEY, EXPIRES - 1), { ok: true, claims: CLAIMS });
  });

  it("an authentic token at or after its expiry second is expired, with its claims", () => {
    assert.deepEqual(verifyAckToken(TOKEN, KEY, EXPIRES), {
      ok: false,
      reason: "expired",
      claims: CLAIMS,
    });
    assert.deepEqual(verifyAckToken(TOKEN, KEY, EXPIRES + 86_400), {
      ok: false,
      reason: "expired",
      claims: CLAIMS,
    });
  });

  const [, payload, mac] = TOKEN.split(".") as [string, string, string];
  const rows: readonly [string, string, "forged" | "malformed"][] = [
    ["another key", TOKEN, "forged"],
    [
      "another incident in the payload, same MAC",
      `a1.${Buffer.from('["inc-2","suzuki","sms",1796000000]').toString("base64url")}.${mac}`,
      "forged",
    ],
    [
      "a later expiry in the payload, same MAC",
      `a1.${Buffer.from('["inc-1","suzuki","sms",1896000000]').toString("base64url")}.${mac}`,
      "forged",
    ],
    ["another version tag", `a2.${payload}.${mac}`, "malformed"],
    ["no MAC", `a1.${payload}`, "malformed"],
    ["a short MAC", `a1.${payload}.${mac.slice(0, 42)}`, "malformed"],
    ["a padded MAC (non-canonical base64url)", `a1.${payload}.${mac}=`, "malformed"],
    ["characters outside base64url", `a1.${payload}.${mac.slice(0, 42)}+`, "malformed"],
    ["empty", "", "malformed"],
    ["very long", `a1.${"A".repeat(2000)}.${mac}`, "malformed"],
  ];
  for (const [what, token, reason] of rows) {
    it(`refuses ${what}: ${reason}`, () => {
      const key = what === "another key" ? OTHER_KEY : KEY;
      assert.deepEqual(verifyAckToken(token, key, EXPIRES - 1), { ok: false, reason });
    });
  }

  it("a MAC-valid token whose payload is not the claim array is malformed (only a key holder makes one)", () => {
    const odd = Buffer.from('{"incidentId":"inc-1"}').toString("base64url");
    const oddMac = createHmac("sha256", KEY)
      .update(`incident-escalation/ack/a1\n${odd}`)
      .digest("base64url");
    assert.deepEqual(verifyAckToken(`a1.${odd}.${oddMac}`, KEY, 0), {
      ok: false,
      reason: "malformed",
    });
  });

  it("refuses to sign claims outside their alphabets, naming the claim", () => {
    assert.throws(
      () => signAckToken({ ...CLAIMS, incidentId: "inc/1" }, KEY),
      /^Error: ack token: incidentId "inc\/1" is not \[A-Za-z0-9_-\]\{1,80\}$/,
    );
    assert.throws(
      () => signAckToken({ ...CLAIMS, contactAlias: "Sato Hanako" }, KEY),
      /^Error: ack token: contactAlias "Sato Hanako" is not \[a-z0-9_-\]\{1,64\}$/,
    );
    assert.throws(
      () => signAckToken({ ...CLAIMS, expiresAt: 1.5 }, KEY),
      /^Error: ack token: expiresAt 1.5 is not whole epoch seconds$/,
    );
  });

  it("refuses a key shorter than 32 bytes (the HMAC-SHA256 output size)", () => {
    assert.throws(
      () => signAckToken(CLAIMS, "short"),
      /^Error: ack key: at least 32 bytes required, got 5$/,
    );
    assert.throws(() => verifyAckToken(TOKEN, "short", 0), /at least 32 bytes/);
  });

  it("property: any single-character change of a token is refused (never ok)", () => {
    fc.assert(
      fc.property(
        fc.nat({ max: TOKEN.length - 1 }),
        fc.constantFrom(..."ABCabc0189-_.="),
        (i, c) => {
          fc.pre(TOKEN[i] !== c);
          const altered = TOKEN.slice(0, i) + c + TOKEN.slice(i + 1);
          return !verifyAckToken(altered, KEY, EXPIRES - 1).ok;
        },
      ),
      { numRuns: 500 },
    );
  });

  it("property: every string is refused or verified without throwing", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        const r = verifyAckToken(s, KEY, 0);
        return r.ok === false;
      }),
    );
  });
});
