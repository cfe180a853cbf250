/** dynalite 4 ships no type declarations: the part the specs use (its README's options). */
declare module "dynalite" {
  import type { Server } from "node:http";

  interface DynaliteOptions {
    /** Milliseconds a CreateTable stays CREATING (default 500). */
    readonly createTableMs?: number;
    /** Milliseconds a DeleteTable stays DELETING (default 500). */
    readonly deleteTableMs?: number;
    /** Milliseconds an UpdateTable stays UPDATING (default 500). */
    readonly updateTableMs?: number;
  }

  /** An http.Server speaking DynamoDB's JSON 1.0 protocol, in memory unless given a path. */
  function dynalite(options?: DynaliteOptions): Server;
  export = dynalite;
}
