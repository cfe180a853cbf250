/**
 * Entry of the multi-language component package (PulumiPlugin.yaml). @pulumi/pulumi's run-plugin
 * serves every ComponentResource class this module exports, and its Analyzer derives the schema
 * from their source, so export exactly the components meant for other languages and nothing else
 * that extends ComponentResource.
 */
export { EscalationPipeline } from "./escalationPipeline";
export { PersonalContact } from "./personalContact";
