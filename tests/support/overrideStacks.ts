/**
 * Two small stack configs built in the spec (not the example stacks, which are the lead's):
 * `imo` (Incident Manager, prefix ie-imo) and `sfo` (step-functions, prefix ie-sfo, language ja),
 * each with the rotation `primary` (sato, suzuki; weekly, Monday 09:00 Asia/Tokyo, sato's week
 * from 2026-01-05) and the contact tanaka, written as Pulumi.<stack>.yaml into a temporary folder
 * for the CLIs that read `--stack` from a root (npm run override) or `--config-file` (plan, guide,
 * drill).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";

const contact = (alias: string, displayName: string, n: number) => ({
  alias,
  displayName,
  email: `${alias}@example.com`,
  phone: `+8190000000${String(n).padStart(2, "0")}`,
  engagement: [
    { after: 0, via: ["email"] },
    { after: 10, via: ["sms"] },
  ],
});

const COMMON = {
  "incident-escalation:contacts": [
    contact("sato", "Sato Hanako", 1),
    contact("suzuki", "Suzuki Ichiro", 2),
    contact("tanaka", "Tanaka Jiro", 3),
  ],
  "incident-escalation:onCall": [
    {
      name: "primary",
      members: ["sato", "suzuki"],
      timeZone: "Asia/Tokyo",
      handoff: { every: "week", on: "MON", at: "09:00" },
      startTime: "2026-01-05T09:00:00+09:00",
    },
  ],
  "incident-escalation:escalation": [
    { engage: ["oncall:primary"], minutes: 15 },
    { engage: ["tanaka"], minutes: 15 },
  ],
  "incident-escalation:levels": { critical: { impact: 1, page: true } },
  "incident-escalation:alarms": [
    {
      name: "api-5xx",
      metric: {
        namespace: "AWS/ApplicationELB",
        name: "HTTPCode_Target_5XX_Count",
        dimensions: { LoadBalancer: "app/api/0123456789abcdef" },
        statistic: "Sum",
        period: 60,
      },
      comparison: "GreaterThanOrEqualToThreshold",
      evaluationPeriods: 3,
      thresholds: { critical: 10 },
    },
  ],
};

/** The Incident Manager stack `imo`'s config (the `config:` map of its Pulumi.imo.yaml). */
export const IM_STACK = {
  "aws:region": "ap-northeast-1",
  ...COMMON,
  "incident-escalation:incidentManager": { replicationSet: "existing" },
};

/** The step-functions stack `sfo`'s config (Pulumi.sfo.yaml), messages in Japanese. */
export const SF_STACK = {
  "aws:region": "ap-northeast-1",
  "incident-escalation:backend": "step-functions",
  "incident-escalation:channels": {
    email: { from: "oncall@alerts.example.com" },
    sms: { originationIdentity: "pool-0123456789abcdef0123456789abcdef" },
  },
  "incident-escalation:language": "ja",
  ...COMMON,
};

/** A temporary folder holding Pulumi.imo.yaml and Pulumi.sfo.yaml; `file(stack)` is its path. */
export function overrideStacks(): { root: string; file: (stack: "imo" | "sfo") => string } {
  const root = mkdtempSync(path.join(tmpdir(), "ie-override-stacks-"));
  const file = (stack: "imo" | "sfo") => path.join(root, `Pulumi.${stack}.yaml`);
  writeFileSync(file("imo"), stringify({ config: IM_STACK }));
  writeFileSync(file("sfo"), stringify({ config: SF_STACK }));
  return { root, file };
}
