import { ApiError } from "../http/api-error";
import { literalRemoteRefusal } from "../net/git-remote-policy";

/**
 * A project's remote must not point at this machine or a private network unless an admin allows
 * it (SCION_ALLOW_PRIVATE_GIT_REMOTES): the clone runs on a broker inside the network. Names are
 * resolved again by the broker right before it clones.
 */
export function assertRemoteAllowed(remote: string, allowPrivate: boolean): void {
  const refusal = literalRemoteRefusal(remote, allowPrivate);
  if (refusal)
    throw new ApiError("validation_error", `The git remote is refused: ${refusal}.`, [
      { path: "gitRemote", message: refusal },
    ]);
}
