/** asl-validator 4 ships no type declarations: the part the specs use (its README). */
declare module "asl-validator" {
  interface AslValidationResult {
    readonly isValid: boolean;
    readonly errors: readonly unknown[];
    errorsText(separator?: string): string;
  }
  /** Validates an Amazon States Language definition (an object) against the ASL schema. */
  function aslValidator(definition: unknown): AslValidationResult;
  export = aslValidator;
}
