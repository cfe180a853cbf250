// Bundled in place of @aws-sdk/credential-provider-node for the Lambda handlers: Lambda always
// provides the function role's credentials in the environment (AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), so the default chain's SSO, STS, process and
// profile providers are dead weight on every cold start.
import { fromEnv } from "@aws-sdk/credential-provider-env";

export const defaultProvider = (init = {}) => fromEnv(init);
