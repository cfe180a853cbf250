/**
 * The real launch path of the package: `node node_modules/@pulumi/pulumi/cmd/run-plugin plugin/`
 * (what pulumi-language-nodejs RunPlugin spawns: the run-plugin module located from the program
 * directory, the program directory as first argument; pulumi/pulumi
 * sdk/nodejs/cmd/pulumi-language-nodejs/main.go `RunPlugin`). It type-checks and loads
 * plugin/index.ts with ts-node, prints its gRPC port, and answers GetSchema through the SDK's
 * generated stubs (proto/provider_grpc_pb) with the schema the Analyzer derives in-process.
 *
 * Not proven: the engine's side (no Pulumi CLI here) — that `pulumi package add` runs `npm install`
 * in plugin/ and then this command, or that it passes no other arguments.
 */
import { strict as assert } from "node:assert";
import { ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";
import { PLUGIN_DIR, pluginSchema } from "./support";

const REPO = path.join(PLUGIN_DIR, "..");
const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
/* eslint-disable @typescript-eslint/no-require-imports -- the SDK's generated CommonJS stubs */
const grpc = require(require.resolve("@grpc/grpc-js", { paths: [pulumiDir] })) as {
  credentials: { createInsecure(): unknown };
};
const provrpc = require("@pulumi/pulumi/proto/provider_grpc_pb") as {
  ResourceProviderClient: new (
    address: string,
    credentials: unknown,
  ) => {
    getSchema(
      req: unknown,
      cb: (err: Error | null, resp: { getSchema(): string } | undefined) => void,
    ): void;
    close(): void;
  };
};
const provproto = require("@pulumi/pulumi/proto/provider_pb") as {
  GetSchemaRequest: new () => { setVersion(v: number): void };
};
/* eslint-enable @typescript-eslint/no-require-imports */

/** Starts run-plugin on plugin/ and resolves with the port it prints on its first stdout line. */
function launch(): { child: ChildProcess; port: Promise<number>; output: () => string } {
  const child = spawn(
    process.execPath,
    [path.join(REPO, "node_modules", "@pulumi", "pulumi", "cmd", "run-plugin"), PLUGIN_DIR],
    { cwd: PLUGIN_DIR, stdio: ["ignore", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const port = new Promise<number>((resolve, reject) => {
    child.stdout?.on("data", (d: Buffer) => {
      stdout += d.toString();
      const line = /^(\d+)\r?\n/.exec(stdout);
      if (line) resolve(Number(line[1]));
    });
    child.on("exit", (code) => reject(new Error(`run-plugin exited (${code}): ${stderr}`)));
  });
  return { child, port, output: () => `${stdout}\n${stderr}` };
}

describe("run-plugin launch path (gRPC GetSchema)", function () {
  this.timeout(900_000);
  let launched: ReturnType<typeof launch> | undefined;
  after(() => {
    if (launched?.child.pid !== undefined && launched.child.exitCode === null) {
      launched.child.kill("SIGTERM");
    }
  });

  it("prints a port, and GetSchema over gRPC returns the schema the Analyzer derives", async () => {
    launched = launch();
    const port = await launched.port;
    assert.ok(port > 0 && port < 65536, `port ${port}`);
    const client = new provrpc.ResourceProviderClient(
      `127.0.0.1:${port}`,
      grpc.credentials.createInsecure(),
    );
    const req = new provproto.GetSchemaRequest();
    req.setVersion(0);
    const text = await new Promise<string>((resolve, reject) =>
      client.getSchema(req, (err, resp) =>
        err || !resp ? reject(err) : resolve(resp.getSchema()),
      ),
    );
    client.close();
    const served = JSON.parse(text) as Record<string, unknown>;
    assert.deepEqual(served, await pluginSchema());
    assert.deepEqual(Object.keys(served.resources as object), [
      "incident-escalation:index:EscalationPipeline",
      "incident-escalation:index:PersonalContact",
    ]);
  });
});
