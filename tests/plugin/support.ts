/**
 * The plugin package's schema as @pulumi/pulumi derives it (ComponentProvider.getSchema runs the
 * SDK's Analyzer over plugin/), computed once per test process: the Analyzer builds a TypeScript
 * program over @pulumi/aws, which takes a while.
 */
import * as path from "node:path";
import { ComponentProvider } from "@pulumi/pulumi/provider/experimental";
import { EscalationPipeline, PersonalContact } from "../../plugin";

export const PLUGIN_DIR = path.join(__dirname, "..", "..", "plugin");
export const PACKAGE = "incident-escalation";

let provider: ComponentProvider | undefined;

/** The provider run-plugin would build for plugin/ (same name, directory and components). */
export function pluginProvider(): ComponentProvider {
  provider ??= new ComponentProvider({
    name: PACKAGE,
    dirname: PLUGIN_DIR,
    components: [EscalationPipeline, PersonalContact],
  });
  return provider;
}

export interface SchemaProperty {
  readonly type?: string;
  readonly $ref?: string;
  readonly items?: SchemaProperty;
  readonly additionalProperties?: SchemaProperty;
  readonly description?: string;
  readonly optional?: boolean;
  readonly plain?: boolean;
}

export interface PackageSchema {
  readonly name: string;
  readonly version: string;
  readonly resources: Record<
    string,
    {
      readonly isComponent: boolean;
      readonly inputProperties: Record<string, SchemaProperty>;
      readonly requiredInputs: string[];
      readonly properties: Record<string, SchemaProperty>;
      readonly required: string[];
      readonly description?: string;
    }
  >;
  readonly types: Record<
    string,
    {
      readonly type: string;
      readonly properties?: Record<string, SchemaProperty>;
      readonly required?: string[];
      readonly enum?: { name: string; value: string; description?: string }[];
    }
  >;
}

export async function pluginSchema(): Promise<PackageSchema> {
  return JSON.parse(await pluginProvider().getSchema()) as PackageSchema;
}
