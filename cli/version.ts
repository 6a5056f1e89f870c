import pkg from "../package.json" with { type: "json" };

/** This command line's version: the package's, the same number the hub reports at /api/v1/version. */
export const CLI_VERSION: string = pkg.version;
