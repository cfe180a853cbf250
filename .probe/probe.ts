import { runProgram, ofType } from "../tests/support/program";
(async () => {
  const { resources } = await runProgram("prod");
  for (const r of resources) {
    if (["aws:lambda/eventSourceMapping:EventSourceMapping","aws:sqs/queue:Queue","aws:sqs/queuePolicy:QueuePolicy"].includes(r.type) || r.name.includes("given-up") || r.name==="escalation-router-policy")
      console.log(r.type, r.name, JSON.stringify(r.inputs));
  }
  const f = resources.find(r => r.name === "escalation-router" && r.type === "aws:lambda/function:Function")!;
  console.log(JSON.stringify(f.inputs.code).slice(0, 600));
  console.log(JSON.stringify(f.inputs.environment));
  console.log(ofType(resources,"aws:cloudwatch/metricAlarm:MetricAlarm").filter(a=>!/^escalation-(critical|warning)-/.test(a.name)).map(a=>[a.name, a.inputs.alarmActions]));
})();
(async () => {
  const pulumi = await import("@pulumi/pulumi");
  const { resources } = await runProgram("prod");
  const f = resources.find(r => r.name === "escalation-router" && r.type === "aws:lambda/function:Function")!;
  const a = f.inputs.code as InstanceType<typeof pulumi.asset.AssetArchive>;
  const assets = await a.assets;
  console.log(Object.keys(assets), await (assets["routing.json"] as InstanceType<typeof pulumi.asset.StringAsset>).text, await (assets["index.js"] as InstanceType<typeof pulumi.asset.FileAsset>).path);
})();
