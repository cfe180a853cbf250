/**
 * Spec isolation: no spec file stubs an AWS SDK client CLASS while it loads (at module scope or
 * in a describe body). `mockClient(SomeClient)` of aws-sdk-client-mock stubs
 * `SomeClient.prototype.send` with sinon, so every client of that class in the process answers
 * from the stub, the clients of every other spec file of the run included (it broke the dynalite
 * specs). A root-level before() hook runs once, after mocha has loaded every spec file of the run
 * and before any suite's own hooks: a class stub live then was made at load. Class stubs belong
 * in before()/beforeEach() with a restore in after()/afterEach(), or mock the instance.
 *
 * What this spec does NOT prove: that a stub made in a hook is restored (a suite's own after()
 * does that), nor anything about a file run alone (this file must be in the run); it looks only
 * at the @aws-sdk/client-* packages package.json names.
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import * as path from "node:path";

/** `<package> <Client>` of every client class whose prototype's send is a sinon stub now. */
function stubbedClientClasses(): string[] {
  const pkg = JSON.parse(readFileSync(path.join(__dirname, "..", "package.json"), "utf8")) as {
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  const names = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies })
    .filter((n) => n.startsWith("@aws-sdk/client-"))
    .sort();
  return names.flatMap((name) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(name) as Record<string, unknown>;
    return Object.entries(mod)
      .filter(([exported, value]) => /Client$/.test(exported) && typeof value === "function")
      .filter(([, value]) => {
        const send = (value as { prototype?: { send?: { isSinonProxy?: boolean } } }).prototype
          ?.send;
        return send?.isSinonProxy === true;
      })
      .map(([exported]) => `${name} ${exported}`);
  });
}

let atLoad: string[] = [];
before(() => {
  atLoad = stubbedClientClasses();
});

describe("spec isolation: no SDK client class is stubbed while the spec files load", () => {
  it("no client class's send was a stub once every spec file had loaded", () => {
    assert.deepEqual(
      atLoad,
      [],
      "stubbed at load (move mockClient(Class) into before() with restore() in after(), or mock the instance)",
    );
  });

  it("the check sees a class stub (mockClient of SNSClient, restored at once)", async () => {
    const { mockClient } = await import("aws-sdk-client-mock");
    const { SNSClient } = await import("@aws-sdk/client-sns");
    const stub = mockClient(SNSClient);
    try {
      assert.deepEqual(stubbedClientClasses(), ["@aws-sdk/client-sns SNSClient"]);
    } finally {
      stub.restore();
    }
    assert.deepEqual(stubbedClientClasses(), []);
  });
});
