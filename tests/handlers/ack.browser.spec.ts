/**
 * The acknowledgement page in a real browser: Debian's chromium (/usr/bin/chromium, headless,
 * driven by playwright-core; no browser is downloaded) against the real handler, served on
 * 127.0.0.1 by the function URL adapter (fixtures/ackFixtures.ts serveFunctionUrl) over dynalite.
 * In English and Japanese: opening the link changes nothing, the button acknowledges, opening the
 * link again and a second tab's button are no-ops; the CSP lets the page's own style and form
 * through (no violation reported) and the headers arrive as the handler sets them.
 *
 * What this spec does NOT prove:
 * - Lambda's function URL front end (the adapter maps HTTP to the documented event format; the
 *   real one may differ in details such as header merging or body encoding, both of which the
 *   handler accepts either way);
 * - every browser or mail client (only this chromium); mail scanners' behaviour (they may also
 *   POST: nothing can stop a scanner that submits forms, see handlers/ack/core.ts);
 * - DynamoDB itself (dynalite) or IAM.
 */
import { strict as assert } from "node:assert";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { ackLink } from "../../handlers/shared/ackToken";
import {
  deps,
  dynamoClient,
  EXPIRES,
  freshTable,
  KEY,
  loadAckHandler,
  openIncident,
  readIncident,
  SECRET_ARN,
  serveFunctionUrl,
  startDynalite,
  type Dynalite,
} from "./fixtures/ackFixtures";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

describe("ack page in headless chromium (real handler behind a function URL adapter)", function () {
  this.timeout(120_000);
  let db: Dynalite;
  let dynamodb: DynamoDBClient;
  let server: { url: string; close(): Promise<void> };
  let context: BrowserContext;
  let userDataDir: string;
  const secrets = new SecretsManagerClient({ region: "ap-northeast-1" });
  const sns = new SNSClient({ region: "ap-northeast-1" });
  const sm = mockClient(secrets);
  const snsMock = mockClient(sns);
  const logs: Record<string, unknown>[] = [];
  const problems: string[] = [];

  before(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y --no-install-recommends chromium; .ci/run does)`,
      );
    }
    sm.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({ SecretString: KEY });
    snsMock.on(PublishCommand).resolves({ MessageId: "m-1" });
    db = await startDynalite();
    dynamodb = dynamoClient(db.url);
    const handler = loadAckHandler().createHandler(deps({ secrets, dynamodb, sns }, logs));
    server = await serveFunctionUrl(handler);
    userDataDir = mkdtempSync(path.join(tmpdir(), "ack-chromium-"));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
    });
  });
  after(async () => {
    await context?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    await server?.close();
    dynamodb?.destroy();
    await db?.close();
    sm.restore();
    snsMock.restore();
  });
  beforeEach(async () => {
    await freshTable(db.admin);
    problems.length = 0;
  });

  async function open(link: string): Promise<Page> {
    const page = await context.newPage();
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") problems.push(m.text());
    });
    page.on("pageerror", (e) => problems.push(e.message));
    const response = await page.goto(link);
    assert.ok(response, "no response");
    const h = response.headers();
    assert.equal(h["cache-control"], "no-store");
    assert.equal(h["referrer-policy"], "no-referrer");
    assert.equal(h["x-frame-options"], "DENY");
    assert.match(h["content-security-policy"] ?? "", /^default-src 'none'; style-src 'sha256-/);
    assert.equal(h["access-control-allow-origin"], undefined);
    return page;
  }

  const shown = (page: Page) => page.locator("#title").getAttribute("data-page");

  const cases = [
    {
      lang: "en",
      contact: "suzuki",
      confirm: "Acknowledge this incident?",
      button: "Acknowledge",
      done: "Acknowledged",
      already: "Already acknowledged",
    },
    {
      lang: "ja",
      contact: "sato",
      confirm: "このインシデントを確認（受諾）しますか？",
      button: "確認する",
      done: "確認しました",
      already: "確認済みです",
    },
  ] as const;

  for (const c of cases) {
    it(`${c.lang}: open the link (nothing changes), click (acknowledged), open again and replay (no-op)`, async () => {
      const id = `inc-${c.lang}`;
      await openIncident(db.admin, id);
      const before = await readIncident(db.admin, id);
      const link = ackLink(id, c.contact, "email", EXPIRES, KEY, `${server.url}/`);

      const tab1 = await open(link);
      assert.equal(await shown(tab1), "confirm");
      assert.equal(await tab1.locator("html").getAttribute("lang"), c.lang);
      assert.equal(await tab1.locator("h1").textContent(), c.confirm);
      // A second tab on the same link, as a double-open or a second device would.
      const tab2 = await open(link);
      assert.deepEqual(await readIncident(db.admin, id), before, "GET changed the incident");

      await Promise.all([
        tab1.waitForNavigation(),
        tab1.getByRole("button", { name: c.button }).click(),
      ]);
      assert.equal(await shown(tab1), "acknowledged");
      assert.equal(await tab1.locator("h1").textContent(), c.done);
      const acked = await readIncident(db.admin, id);
      assert.equal(acked?.status, "acknowledged");
      assert.equal(acked?.acknowledgedBy, c.contact);

      // Replay: the other tab's button, then the link again.
      await Promise.all([
        tab2.waitForNavigation(),
        tab2.getByRole("button", { name: c.button }).click(),
      ]);
      assert.equal(await shown(tab2), "already");
      assert.equal(await tab2.locator("h1").textContent(), c.already);
      await tab1.goto(link);
      assert.equal(await shown(tab1), "already");
      assert.equal(await tab1.getByRole("button").count(), 0);
      assert.deepEqual(await readIncident(db.admin, id), acked, "a replay changed the incident");

      // No page shows the contact, and the browser reported no CSP violation or error.
      for (const tab of [tab1, tab2]) {
        assert.ok(!(await tab.content()).includes(c.contact));
        await tab.close();
      }
      assert.deepEqual(problems, []);
    });
  }
});
