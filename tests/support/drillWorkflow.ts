/**
 * The drill workflow's Amazon States Language document as the specs expect it, written out
 * literally once for both backends (tests/components/drills.spec.ts: Incident Manager,
 * tests/components/drills.stepFunctions.spec.ts: step-functions). The backends differ in the
 * Comment and in the name of what the start answers and the report receives (incidentArn or
 * executionArn); everything else (the Lambda invoke integration, the Wait on
 * reportAfterSeconds, both tasks' Retry) is the same document. Built from literals only, never
 * from components/drillSchedules.ts, so a spec comparing drillWorkflowDefinition with it judges
 * the builder.
 *
 * Sources: "Invoke an AWS Lambda function" with Step Functions
 * (https://docs.aws.amazon.com/step-functions/latest/dg/connect-lambda.html: the Lambda
 * service errors to retry); Wait state SecondsPath
 * (https://docs.aws.amazon.com/step-functions/latest/dg/state-wait.html).
 *
 * What this does NOT prove: anything by itself; the specs that use it validate the document with
 * asl-validator (the ASL schema), and no engine runs it.
 */

/** Both tasks' Retry: Lambda's transient service errors, then a failed task thrice. */
export const DRILL_TASK_RETRY = [
  {
    ErrorEquals: [
      "Lambda.ServiceException",
      "Lambda.AWSLambdaException",
      "Lambda.SdkClientException",
      "Lambda.TooManyRequestsException",
    ],
    IntervalSeconds: 2,
    MaxAttempts: 6,
    BackoffRate: 2,
  },
  { ErrorEquals: ["States.TaskFailed"], IntervalSeconds: 30, MaxAttempts: 3, BackoffRate: 2 },
];

/**
 * The workflow of the drill function `functionArn`: StartDrill (its answer's `handle` and
 * startedAt kept as $.started), WaitForPages ($.reportAfterSeconds), Report (level, the handle,
 * startedAt), both retried.
 */
export function expectedDrillWorkflow(opts: {
  readonly functionArn: string;
  readonly comment: string;
  readonly handle: "incidentArn" | "executionArn";
}): Record<string, unknown> {
  const { functionArn, comment, handle } = opts;
  return {
    Comment: comment,
    StartAt: "StartDrill",
    TimeoutSeconds: 10800,
    States: {
      StartDrill: {
        Type: "Task",
        Resource: "arn:aws:states:::lambda:invoke",
        Parameters: {
          FunctionName: functionArn,
          Payload: { drill: { "level.$": "$.level", "scheduledTime.$": "$.scheduledTime" } },
        },
        ResultSelector: {
          [`${handle}.$`]: `$.Payload.${handle}`,
          "startedAt.$": "$.Payload.startedAt",
        },
        ResultPath: "$.started",
        Retry: DRILL_TASK_RETRY,
        Next: "WaitForPages",
      },
      WaitForPages: { Type: "Wait", SecondsPath: "$.reportAfterSeconds", Next: "Report" },
      Report: {
        Type: "Task",
        Resource: "arn:aws:states:::lambda:invoke",
        Parameters: {
          FunctionName: functionArn,
          Payload: {
            drillReport: {
              "level.$": "$.level",
              [`${handle}.$`]: `$.started.${handle}`,
              "startedAt.$": "$.started.startedAt",
            },
          },
        },
        Retry: DRILL_TASK_RETRY,
        End: true,
      },
    },
  };
}
