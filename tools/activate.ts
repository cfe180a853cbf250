/**
 * The activation behind `npm run activate` (cli/activate.ts parses the command line).
 *
 * Activates the stack's Incident Manager contact channels. Channels created by IaC start
 * NOT_ACTIVATED and page nobody until a code sent to the device is entered. The tool lists the
 * stack's contacts and channels (ssm-contacts ListContacts / ListContactChannels), sends codes
 * (SendActivationCode), asks for them at the terminal or takes them from `--codes-from` (or `--code`), activates
 * (ActivateContactChannel) and shows the final status. Addresses are always masked.
 *
 * Structure: a pure core (code checks, region resolution, `planActivation`, masking,
 * messages, the table) and a thin I/O layer (`activate`) that gets the SDK client from a factory
 * called once and reads answers from an injectable input stream.
 *
 * Exit codes: 0 every channel of the stack is ACTIVATED; 1 some channel is still NOT_ACTIVATED
 * (skipped, wrong code, a per-channel AWS error) or a contact of the config was not found;
 * 2 the tool could not check the channels (usage, config, region, credentials, Incident Manager
 * not set up, listing failed).
 */
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import * as readline from "node:readline";
import { UsageError } from "./cliArgs";
import {
  ActivateContactChannelCommand,
  ListContactChannelsCommand,
  ListContactsCommand,
  SSMContactsClient,
  SendActivationCodeCommand,
} from "@aws-sdk/client-ssm-contacts";
import { defaultPrefix, names } from "../components/builders";
import { ConfigError } from "../config/schema";
import {
  AwsCallError,
  awsCall,
  classifyAwsError,
  describeAwsError,
  isSetupError,
} from "./awsErrors";
import { loadStackConfigFile } from "./stackFile";
import type { StackConfig } from "../config/schema";
import { activateStepFunctions, type StepFunctionsClients } from "./activateStepFunctions";

/** Activation codes: what the API accepts (ActivationCode: 6-10 digits). */
export const CODE_PATTERN = /^[0-9]{6,10}$/;

// ---------------------------------------------------------------------------------------------
// Pure core
// ---------------------------------------------------------------------------------------------

/** One contact channel as listed by ssm-contacts. */
export interface ChannelInfo {
  /** The contact's alias (`<prefix>-<alias>`). */
  readonly contactAlias: string;
  /** Channel name (`<prefix>-<alias>-<email|sms|voice>`). */
  readonly name: string;
  readonly arn: string;
  /** EMAIL, SMS or VOICE ("" if AWS did not say). */
  readonly type: string;
  /** Full delivery address: never printed; use maskAddress. */
  readonly address: string;
  /** ACTIVATED or NOT_ACTIVATED. */
  readonly status: string;
}

/** What to do with one channel. */
export type ChannelStep =
  /** ACTIVATED already: nothing to do. */
  | { readonly kind: "active"; readonly channel: ChannelInfo; readonly ignoredCode: boolean }
  /** A code from --code: activate with it; no new code is sent (it would replace that one). */
  | { readonly kind: "use-code"; readonly channel: ChannelInfo; readonly code: string }
  /** At a terminal: (ask, unless `confirm` is false,) send a code, ask for it, activate. */
  | { readonly kind: "send-and-ask"; readonly channel: ChannelInfo; readonly confirm: boolean }
  /** No terminal, --yes, no --code: send a code and tell how to pass it next time. */
  | { readonly kind: "send-only"; readonly channel: ChannelInfo }
  /** No terminal, no --yes, no --code: nothing is sent; tell how to pass --code. */
  | { readonly kind: "skip"; readonly channel: ChannelInfo };

export interface ActivationPlan {
  readonly steps: readonly ChannelStep[];
  /** --code names that match no channel of the stack (a usage error). */
  readonly unknownCodes: readonly string[];
}

/**
 * Decides what to do with each channel. `codes` maps channel name → code (from --code);
 * `interactive` is true when answers can be read from a terminal; `yes` is --yes.
 */
export function planActivation(
  channels: readonly ChannelInfo[],
  codes: ReadonlyMap<string, string>,
  interactive: boolean,
  yes = false,
): ActivationPlan {
  const known = new Set(channels.map((c) => c.name));
  const unknownCodes = [...codes.keys()].filter((n) => !known.has(n));
  const steps = channels.map((channel): ChannelStep => {
    const code = codes.get(channel.name);
    if (channel.status === "ACTIVATED") {
      return { kind: "active", channel, ignoredCode: code !== undefined };
    }
    if (code !== undefined) return { kind: "use-code", channel, code };
    if (interactive) return { kind: "send-and-ask", channel, confirm: !yes };
    return yes ? { kind: "send-only", channel } : { kind: "skip", channel };
  });
  return { steps, unknownCodes };
}

const BULLET = "•";

/**
 * Masks a delivery address: `+819000000001` → `+81••••••••01`, `sato@example.com` →
 * `s•••@example.com`. Never returns the full address (short ones are masked entirely).
 */
export function maskAddress(address: string): string {
  const a = address.trim();
  if (a === "") return "";
  const at = a.lastIndexOf("@");
  if (at > 0) {
    const local = a.slice(0, at);
    const shown = local.length >= 3 ? local[0] + BULLET.repeat(local.length - 1) : BULLET.repeat(3);
    return `${shown}${a.slice(at)}`;
  }
  if (/^\+[0-9]+$/.test(a)) {
    if (a.length < 9) return `+${BULLET.repeat(a.length - 1)}`;
    return `${a.slice(0, 3)}${BULLET.repeat(a.length - 5)}${a.slice(-2)}`;
  }
  if (a.length < 6) return BULLET.repeat(a.length);
  return `${a[0]}${BULLET.repeat(a.length - 2)}${a.slice(-1)}`;
}

/** Replaces every full address (and a phone number without its `+`) in `text` by its mask. */
export function scrubAddresses(text: string, addresses: readonly string[]): string {
  let out = text;
  for (const address of addresses) {
    const a = address.trim();
    if (a.length < 3) continue;
    const mask = maskAddress(a);
    out = out.split(a).join(mask);
    if (a.startsWith("+") && a.length > 4) out = out.split(a.slice(1)).join(mask);
  }
  return out;
}

/** The status table: one row per channel, addresses masked. */
export function renderTable(channels: readonly ChannelInfo[]): string {
  if (channels.length === 0) return "(no contact channels)\n";
  const header = ["CONTACT", "CHANNEL", "TYPE", "ADDRESS", "STATUS"];
  const rows = channels.map((c) => [
    c.contactAlias,
    c.name,
    c.type || "-",
    maskAddress(c.address) || "-",
    c.status,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows]
    .map((r) =>
      r
        .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i])))
        .join("  ")
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join("");
}

/** Where a code for `channel` goes, for prompts: `SMS to +81••••••••01`. */
export function destination(channel: ChannelInfo): string {
  const how =
    channel.type === "VOICE"
      ? "a voice call to"
      : channel.type === "SMS"
        ? "an SMS to"
        : channel.type === "EMAIL"
          ? "an email to"
          : "";
  const where = maskAddress(channel.address) || channel.name;
  return how ? `${how} ${where}` : where;
}

/**
 * The command that activates `names` with codes, for messages: codes go in on standard input,
 * never on the command line (shell history, `ps`, npm's debug log).
 */
export function codeCommand(stack: string, channelNames: readonly string[]): string {
  const lines = channelNames.map((n) => `${n}=<code>`).join(", ");
  return (
    `npm run activate -- --stack ${stack} --codes-from -
` + `  then type ${lines} (one per line) and press Ctrl-D`
  );
}

/** Printed when codes were given with --code. */
export const CODE_FLAG_NOTE =
  "note: --code puts activation codes in shell history, the process list and npm's logs; " +
  "prefer the prompt (run at a terminal) or --codes-from - (codes on standard input)";

/** The message for a channel skipped without a terminal. */
export function skipMessage(stack: string, channel: ChannelInfo, yes: boolean): string {
  if (yes) {
    return (
      `${channel.name}: code sent (${destination(channel)}). When it arrives, run:\n` +
      `  ${codeCommand(stack, [channel.name])}\n`
    );
  }
  return (
    `${channel.name}: skipped — no terminal to ask for the code, and no code for it (--codes-from). ` +
    `No code was sent.\n`
  );
}

/** The closing hint for channels skipped without a terminal. */
export function skippedHint(stack: string, skipped: readonly string[]): string {
  if (skipped.length === 0) return "";
  return (
    `\n${skipped.length} channel(s) skipped. Either run this at a terminal, or send the codes ` +
    `without prompting:\n  npm run activate -- --stack ${stack} --yes\n` +
    `and, once they have arrived, pass them:\n  ${codeCommand(stack, skipped)}\n`
  );
}

export interface RegionChoice {
  readonly region: string;
  /** Where it came from, for the header line. */
  readonly source: string;
  /** A note when the environment names another region than the one used. */
  readonly note?: string;
}

/**
 * The region to use: --region, else the stack's aws:region (where `pulumi up` deployed the
 * contacts: Pulumi's AWS provider prefers it over the environment), else AWS_REGION, else
 * AWS_DEFAULT_REGION. Undefined when none is set.
 */
export function resolveRegion(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  stackRegion: string | undefined,
): RegionChoice | undefined {
  if (flag) return { region: flag, source: "--region" };
  const envVar = env.AWS_REGION ? "AWS_REGION" : env.AWS_DEFAULT_REGION ? "AWS_DEFAULT_REGION" : "";
  const envRegion = envVar ? env[envVar] : undefined;
  if (stackRegion) {
    const note =
      envRegion && envRegion !== stackRegion
        ? `note: ${envVar}=${envRegion} is ignored: the stack deploys to aws:region ` +
          `${stackRegion}; pass --region to override`
        : undefined;
    return { region: stackRegion, source: "the stack's aws:region", note };
  }
  if (envRegion) return { region: envRegion, source: envVar };
  return undefined;
}

export const MISSING_REGION =
  "no AWS region: pass --region <region>, set aws:region in the stack config, or set " +
  "AWS_REGION (or AWS_DEFAULT_REGION).";

/** The command line of `npm run activate` (cli/activate.ts). */
export interface ActivateArgs {
  readonly stack: string;
  readonly region?: string;
  /** Codes given with --code (the ones from --codes-from are read later, by `activate`). */
  readonly codes: ReadonlyMap<string, string>;
  /** --codes-from: a file path, or "-" for standard input. */
  readonly codesFrom?: string;
  readonly yes: boolean;
}

/**
 * Adds one `<channel>=<code>` to `codes`; the problem (never showing the code) or undefined.
 * `where` names the source: `--code` or `<file> line 3`.
 */
export function addCode(
  codes: Map<string, string>,
  spec: string,
  where: string,
): string | undefined {
  const eq = spec.lastIndexOf("=");
  const name = eq > 0 ? spec.slice(0, eq).trim() : "";
  const code = eq > 0 ? spec.slice(eq + 1).trim() : "";
  if (!name || !code) return `${where}: expected <channel-name>=<code>`;
  if (!CODE_PATTERN.test(code)) return `${where}: ${name}=…: an activation code is 6-10 digits`;
  if (codes.has(name)) return `${where}: a code for ${name} is given twice`;
  codes.set(name, code);
  return undefined;
}

/**
 * Codes from the text of --codes-from: one `<channel>=<code>` per line, blank lines and `#`
 * comments ignored, added to (a copy of) `codes` from --code. `source` names the input in
 * messages (`standard input` or the file path).
 */
export function parseCodeLines(
  text: string,
  source: string,
  codes: ReadonlyMap<string, string>,
):
  | { readonly ok: true; readonly codes: Map<string, string> }
  | { readonly ok: false; readonly message: string } {
  const all = new Map(codes);
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const problem = addCode(all, line, `--codes-from ${source} line ${i + 1}`);
    if (problem) return { ok: false, message: problem };
  }
  return { ok: true, codes: all };
}

/** Exit code from the final listing: 0 only if something was found and all of it is active. */
export function exitCodeFor(
  channels: readonly ChannelInfo[],
  missingContacts: readonly string[],
): 0 | 1 {
  if (channels.length === 0 || missingContacts.length > 0) return 1;
  return channels.every((c) => c.status === "ACTIVATED") ? 0 : 1;
}

// ---------------------------------------------------------------------------------------------
// AWS: listing
// ---------------------------------------------------------------------------------------------

/** Thrown when the run cannot continue; `message` is what to print, exit code 2. */
export class ActivateAbort extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ActivateAbort";
  }
}

export interface StackChannels {
  readonly channels: ChannelInfo[];
  /** Contacts of the config not found in the account/region. */
  readonly missingContacts: string[];
  /** Contacts with the prefix that are not in the config (another stack's?), ignored. */
  readonly ignoredContacts: string[];
}

/**
 * Lists the channels of the contacts `<prefix>-<alias>` of the config (all pages), sorted by
 * contact and channel name. AWS errors are thrown as AwsCallError.
 */
export async function listStackChannels(
  client: SSMContactsClient,
  prefix: string,
  configAliases: readonly string[],
): Promise<StackChannels> {
  const wanted = new Set(configAliases.map((a) => names.contact(prefix, a)));
  const contacts: { alias: string; arn: string }[] = [];
  const ignoredContacts: string[] = [];
  let token: string | undefined;
  do {
    const page = await awsCall("ssm-contacts:ListContacts", () =>
      client.send(
        new ListContactsCommand({
          AliasPrefix: `${prefix}-`,
          Type: "PERSONAL",
          ...(token ? { NextToken: token } : {}),
        }),
      ),
    );
    for (const c of page.Contacts ?? []) {
      if (!c.Alias || !c.ContactArn) continue;
      if (wanted.has(c.Alias)) contacts.push({ alias: c.Alias, arn: c.ContactArn });
      else ignoredContacts.push(c.Alias);
    }
    token = page.NextToken;
  } while (token);
  contacts.sort((a, b) => a.alias.localeCompare(b.alias));
  const found = new Set(contacts.map((c) => c.alias));
  const missingContacts = [...wanted].filter((a) => !found.has(a));

  const channels: ChannelInfo[] = [];
  for (const contact of contacts) {
    const own: ChannelInfo[] = [];
    let next: string | undefined;
    do {
      const page = await awsCall("ssm-contacts:ListContactChannels", () =>
        client.send(
          new ListContactChannelsCommand({
            ContactId: contact.arn,
            ...(next ? { NextToken: next } : {}),
          }),
        ),
      );
      for (const ch of page.ContactChannels ?? []) {
        own.push({
          contactAlias: contact.alias,
          name: ch.Name ?? "",
          arn: ch.ContactChannelArn ?? "",
          type: ch.Type ?? "",
          address: ch.DeliveryAddress?.SimpleAddress ?? "",
          status: ch.ActivationStatus ?? "",
        });
      }
      next = page.NextToken;
    } while (next);
    own.sort((a, b) => a.name.localeCompare(b.name));
    channels.push(...own);
  }
  return { channels, missingContacts, ignoredContacts };
}

// ---------------------------------------------------------------------------------------------
// I/O
// ---------------------------------------------------------------------------------------------

export interface ActivateIo {
  /** Answers (one per line); read only when `interactive`. */
  readonly input: NodeJS.ReadableStream;
  /** Tables, progress and prompts. */
  readonly stdout: NodeJS.WritableStream;
  /** Errors and notes. */
  readonly stderr: NodeJS.WritableStream;
  /** True when answers can be asked for (a terminal). */
  readonly interactive: boolean;
}

export interface ActivateOptions {
  /** Directory holding Pulumi.<stack>.yaml. */
  readonly root: string;
  /** Environment (AWS_REGION, AWS_DEFAULT_REGION). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly io: ActivateIo;
  /** Creates the SDK client, once, for the resolved region. */
  readonly makeClient: (region: string) => SSMContactsClient;
  /** The SES and End User Messaging SMS clients (`backend: step-functions`), once. */
  readonly makeStepFunctionsClients?: (region: string) => StepFunctionsClients;
}

/** Line-by-line answers from a stream; lines that arrive before they are asked for are kept. */
class Answers {
  private readonly rl: readline.Interface;
  private readonly lines: AsyncIterator<string>;
  private ended = false;

  constructor(input: NodeJS.ReadableStream) {
    this.rl = readline.createInterface({ input, terminal: false, crlfDelay: Infinity });
    this.lines = this.rl[Symbol.asyncIterator]();
  }

  /** The next line, trimmed; undefined at end of input. */
  async next(): Promise<string | undefined> {
    if (this.ended) return undefined;
    const r = await this.lines.next();
    if (r.done) {
      this.ended = true;
      return undefined;
    }
    return String(r.value).trim();
  }

  close(): void {
    this.rl.close();
  }
}

/** The whole of a stream, as UTF-8 text. */
async function readAll(input: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) {
    chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** What one run works with once the stack, region and codes are known. */
interface Session {
  readonly client: SSMContactsClient;
  readonly stack: string;
  readonly interactive: boolean;
  readonly yes: boolean;
  /** Tables, progress and prompts (delivery addresses masked). */
  readonly out: (text: string) => void;
  /** Errors and notes (delivery addresses masked). */
  readonly err: (text: string) => void;
  /** Prompts and reads one answer; undefined at end of input. */
  readonly ask: (prompt: string) => Promise<string | undefined>;
  /** SendActivationCode / ActivateContactChannel calls made (the final listing is re-read if any). */
  readonly run: { writes: number };
}

/** Runs the tool; returns the exit code. All output goes through `opts.io`. */
export async function activate(args: ActivateArgs, opts: ActivateOptions): Promise<0 | 1 | 2> {
  const { io } = opts;

  // 1. The stack config (offline): prefix, contacts, aws:region.
  const stack = readStack(args.stack, opts.root, io.stderr);
  if (!stack) return 2;
  const { prefix, aliases } = stack;

  // 2. Region, checked before any call.
  const region = resolveRegion(args.region, opts.env, stack.region);
  if (!region) {
    io.stderr.write(`activate: ${MISSING_REGION}\n`);
    return 2;
  }
  if (region.note) io.stderr.write(`${region.note}\n`);

  // 3. Codes from --codes-from (a file, or standard input, which then answers no prompt).
  const codes = await readCodes(args, opts);
  if (!codes) return 2;
  if (args.codes.size > 0) io.stderr.write(`${CODE_FLAG_NOTE}\n`);
  const interactive = io.interactive && args.codesFrom !== "-";

  if (stack.cfg.backend === "step-functions") {
    if (!opts.makeStepFunctionsClients) {
      io.stderr.write("activate: no SES / SMS clients for a step-functions stack\n");
      return 2;
    }
    const secrets = [
      ...stack.cfg.contacts.map((c) => c.phone ?? ""),
      ...stack.cfg.contacts.map((c) => c.email ?? ""),
    ].filter((a) => a !== "");
    const sfAnswers = interactive ? new Answers(io.input) : undefined;
    const sfOut = (text: string) => io.stdout.write(scrubAddresses(text, secrets));
    try {
      sfOut(
        `Stack ${args.stack}: SMS and e-mail recipients in ${region.region} (${region.source})\n`,
      );
      return await activateStepFunctions({
        clients: opts.makeStepFunctionsClients(region.region),
        cfg: stack.cfg,
        prefix,
        securePaths: stack.securePaths,
        codes,
        interactive,
        yes: args.yes,
        out: sfOut,
        err: (text) => io.stderr.write(scrubAddresses(text, secrets)),
        ask: async (prompt) => {
          sfOut(prompt);
          const line = sfAnswers ? await sfAnswers.next() : undefined;
          if (line === undefined) sfOut("\n");
          return line;
        },
      });
    } finally {
      sfAnswers?.close();
    }
  }

  const client = opts.makeClient(region.region);
  let addresses: string[] = [];
  const out = (text: string) => io.stdout.write(scrubAddresses(text, addresses));
  const err = (text: string) => io.stderr.write(scrubAddresses(text, addresses));
  const answers = interactive ? new Answers(io.input) : undefined;
  const ask = async (prompt: string): Promise<string | undefined> => {
    out(prompt);
    const line = answers ? await answers.next() : undefined;
    if (line === undefined) out("\n");
    return line;
  };
  const session: Session = {
    client,
    stack: args.stack,
    interactive,
    yes: args.yes,
    out,
    err,
    ask,
    run: { writes: 0 },
  };

  try {
    // 3. What there is.
    out(`Stack ${args.stack}: contacts ${prefix}-<alias> in ${region.region} (${region.source})\n`);
    const listed = await list(client, prefix, aliases);
    addresses = listed.channels.map((c) => c.address);
    reportListing(listed, region.region, args.stack, err);
    out(`\n${renderTable(listed.channels)}`);

    const plan = planActivation(listed.channels, codes, interactive, args.yes);
    if (plan.unknownCodes.length > 0) {
      err(
        `activate: a code names no channel of this stack: ${plan.unknownCodes.join(", ")}. ` +
          `Channels: ${listed.channels.map((c) => c.name).join(", ") || "(none)"}\n`,
      );
      return 2;
    }

    // 4. Send codes, ask for them or take them from --code, activate.
    await runSteps(session, plan.steps);

    // 5. The final state, from AWS.
    return await reportFinal(session, listed, prefix, aliases);
  } catch (e: unknown) {
    if (e instanceof ActivateAbort) {
      err(`activate: ${e.message}\n`);
      return 2;
    }
    throw e;
  } finally {
    answers?.close();
  }
}

/** The stack's contact prefix, contact aliases and aws:region; undefined after printing why not. */
function readStack(
  stack: string,
  root: string,
  stderr: NodeJS.WritableStream,
):
  | {
      prefix: string;
      aliases: string[];
      region: string | undefined;
      cfg: StackConfig;
      securePaths: readonly string[];
    }
  | undefined {
  const file = path.join(root, `Pulumi.${stack}.yaml`);
  if (!existsSync(file)) {
    stderr.write(`activate: ${file}: no such stack config file (is --stack right?)\n`);
    return undefined;
  }
  try {
    const { stackFile, config: cfg } = loadStackConfigFile(file, stack);
    return {
      prefix: cfg.prefix ?? defaultPrefix(stack),
      aliases: cfg.contacts.map((c) => c.alias),
      region: stackFile.config["aws:region"] || undefined,
      cfg,
      securePaths: stackFile.securePaths,
    };
  } catch (err: unknown) {
    const message = err instanceof ConfigError || err instanceof Error ? err.message : String(err);
    stderr.write(`${message}\n`);
    return undefined;
  }
}

/**
 * The codes of --code plus those of --codes-from; undefined after printing why the input could
 * not be read. A malformed line is a `UsageError`.
 */
async function readCodes(
  args: ActivateArgs,
  opts: ActivateOptions,
): Promise<ReadonlyMap<string, string> | undefined> {
  if (args.codesFrom === undefined) return args.codes;
  const source = args.codesFrom === "-" ? "standard input" : args.codesFrom;
  let text: string;
  try {
    // `npm run` starts scripts in the package root; INIT_CWD is where the user typed it.
    text =
      args.codesFrom === "-"
        ? await readAll(opts.io.input)
        : readFileSync(path.resolve(opts.env.INIT_CWD ?? process.cwd(), args.codesFrom), "utf8");
  } catch (e: unknown) {
    const why = e instanceof Error ? e.message : String(e);
    opts.io.stderr.write(`activate: --codes-from ${source}: cannot read it (${why})\n`);
    return undefined;
  }
  const read = parseCodeLines(text, source, args.codes);
  if (!read.ok) throw new UsageError(read.message);
  return read.codes;
}

/** Section 4 of `activate`: each channel's step, in order. */
async function runSteps(session: Session, steps: readonly ChannelStep[]): Promise<void> {
  const { client, stack, interactive, out, err, ask, run } = session;
  const skipped: string[] = [];
  let quit = false;
  const todo = steps.filter((s) => s.kind !== "active");
  if (todo.length > 0) out("\n");
  for (const step of steps) {
    const ch = step.channel;
    switch (step.kind) {
      case "active":
        if (step.ignoredCode) out(`${ch.name}: already ACTIVATED; its code is not used.\n`);
        break;
      case "skip":
        err(skipMessage(stack, ch, false));
        skipped.push(ch.name);
        break;
      case "send-only":
        if (await send(client, ch, err, run)) out(skipMessage(stack, ch, true));
        skipped.push(ch.name);
        break;
      case "use-code":
        await activateLoop(client, ch, step.code, interactive ? ask : undefined, out, err, run);
        break;
      case "send-and-ask": {
        if (quit) break;
        if (step.confirm) {
          const a = (
            (await ask(`Send an activation code to ${ch.name} (${destination(ch)})? [Y/n/q] `)) ??
            "q"
          ).toLowerCase();
          if (a === "q" || a === "quit") {
            quit = true;
            out("Stopped: the remaining channels are skipped.\n");
            break;
          }
          if (a === "n" || a === "no") {
            out(`${ch.name}: skipped.\n`);
            break;
          }
        }
        if (!(await send(client, ch, err, run))) break;
        out(`${ch.name}: code sent (${destination(ch)}).\n`);
        await activateLoop(client, ch, undefined, ask, out, err, run);
        break;
      }
    }
  }
  if (skipped.length > 0 && !session.yes) err(skippedHint(stack, skipped));
}

/** Section 5 of `activate`: the final state (re-listed if anything was sent), its exit code. */
async function reportFinal(
  session: Session,
  listed: StackChannels,
  prefix: string,
  aliases: readonly string[],
): Promise<0 | 1> {
  const { out } = session;
  const acted = session.run.writes > 0;
  const final = acted ? await list(session.client, prefix, aliases) : listed;
  if (acted) out(`\nNow:\n${renderTable(final.channels)}`);
  const code = exitCodeFor(final.channels, final.missingContacts);
  const inactive = final.channels.filter((c) => c.status !== "ACTIVATED").length;
  if (code === 0) out(`\nAll ${final.channels.length} contact channel(s) are ACTIVATED.\n`);
  else if (inactive > 0) {
    out(
      `\n${inactive} contact channel(s) are still NOT_ACTIVATED and page nobody. ` +
        `See docs/activation.md.\n`,
    );
  }
  return code;
}

async function list(
  client: SSMContactsClient,
  prefix: string,
  aliases: readonly string[],
): Promise<StackChannels> {
  try {
    return await listStackChannels(client, prefix, aliases);
  } catch (e: unknown) {
    if (e instanceof AwsCallError) throw new ActivateAbort(describeAwsError(e.error, e.action));
    throw e;
  }
}

function reportListing(
  listed: StackChannels,
  region: string,
  stack: string,
  err: (text: string) => void,
): void {
  if (listed.ignoredContacts.length > 0) {
    err(
      `note: ignoring contacts that are not in this stack's config: ` +
        `${listed.ignoredContacts.join(", ")}\n`,
    );
  }
  if (listed.missingContacts.length > 0) {
    err(
      `not found in ${region}: ${listed.missingContacts.join(", ")}. Has the stack been deployed ` +
        `(pulumi up --stack ${stack}) to this account and region?\n`,
    );
  }
}

/** SendActivationCode; false (after a message) when it failed. Setup errors abort the run. */
async function send(
  client: SSMContactsClient,
  ch: ChannelInfo,
  err: (text: string) => void,
  run: { writes: number },
): Promise<boolean> {
  const action = "ssm-contacts:SendActivationCode";
  try {
    run.writes += 1;
    await client.send(new SendActivationCodeCommand({ ContactChannelId: ch.arn }));
    return true;
  } catch (e: unknown) {
    if (isSetupError(classifyAwsError(e, action))) {
      throw new ActivateAbort(describeAwsError(e, action));
    }
    err(`${ch.name}: ${describeAwsError(e, action)}\n`);
    return false;
  }
}

/**
 * Activates `ch` with `firstCode` (from --code) or asked codes. At most two attempts; at the
 * prompt, "resend" sends a new code (once) and an empty answer skips the channel.
 */
async function activateLoop(
  client: SSMContactsClient,
  ch: ChannelInfo,
  firstCode: string | undefined,
  ask: ((prompt: string) => Promise<string | undefined>) | undefined,
  out: (text: string) => void,
  err: (text: string) => void,
  run: { writes: number },
): Promise<boolean> {
  const action = "ssm-contacts:ActivateContactChannel";
  const firstPrompt = `Code for ${ch.name} (sent as ${destination(ch)}; Enter to skip): `;
  const retryPrompt =
    `Code for ${ch.name} again ("resend" for a new code to ${destination(ch)}, ` +
    `Enter to skip): `;
  let attempts = 0;
  let resent = false;
  let pending = firstCode;
  let prompt = firstPrompt;
  while (attempts < 2) {
    let code = pending;
    pending = undefined;
    if (code === undefined) {
      if (!ask) break;
      code = (await ask(prompt))?.replace(/[\s-]+/g, "");
      if (!code) {
        out(`${ch.name}: skipped; still NOT_ACTIVATED.\n`);
        return false;
      }
      if (code.toLowerCase() === "resend") {
        if (resent) {
          err(`${ch.name}: a new code was already sent; enter it, or Enter to skip.\n`);
        } else if (await send(client, ch, err, run)) {
          resent = true;
          out(`${ch.name}: new code sent (${destination(ch)}).\n`);
          prompt = `Code for ${ch.name} (the new one; Enter to skip): `;
        }
        continue;
      }
      if (!CODE_PATTERN.test(code)) {
        err(`${ch.name}: "${code}" is not an activation code (6-10 digits).\n`);
        attempts += 1;
        prompt = retryPrompt;
        continue;
      }
    }
    try {
      run.writes += 1;
      await client.send(
        new ActivateContactChannelCommand({ ContactChannelId: ch.arn, ActivationCode: code }),
      );
      out(`${ch.name}: ACTIVATED.\n`);
      return true;
    } catch (e: unknown) {
      const kind = classifyAwsError(e, action);
      if (isSetupError(kind)) throw new ActivateAbort(describeAwsError(e, action));
      err(`${ch.name}: ${describeAwsError(e, action)}\n`);
      if (kind !== "wrong-code") return false;
      attempts += 1;
      prompt = retryPrompt;
    }
  }
  err(
    ask
      ? `${ch.name}: not activated; run the tool again for a new code.\n`
      : `${ch.name}: not activated. Send a new code (run this at a terminal, or with --yes) and ` +
          `pass it with --codes-from (a line ${ch.name}=<code>).\n`,
  );
  return false;
}
