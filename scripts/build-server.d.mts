/** Where the server bundle goes, relative to the repository. */
export declare const SERVER_BUNDLE: string;
/** The bundle's absolute path, built first when missing or when any of its inputs changed. */
export declare function buildServerIfStale(root?: string): Promise<string>;
