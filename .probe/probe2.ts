import { runProgram } from "../tests/support/program";
(async () => {
  const pulumi = await import("@pulumi/pulumi");
  const { resources } = await runProgram("prod");
  const f = resources.find(r => r.name === "escalation-router" && r.type === "aws:lambda/function:Function")!;
  const a = f.inputs.code as InstanceType<typeof pulumi.asset.AssetArchive>;
  console.log(a);
  const assets = await a.assets;
  console.log(Object.keys(assets), await (assets["routing.json"] as InstanceType<typeof pulumi.asset.StringAsset>).text, await (assets["index.js"] as InstanceType<typeof pulumi.asset.FileAsset>).path);
})();
