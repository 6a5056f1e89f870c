import fs from "node:fs";

/**
 * The command lines of the live processes in process group `pgid`. A zombie (state Z) runs
 * nothing and holds nothing, and this VM's init reaps the orphans it inherits only lazily, so
 * zombies are left out.
 */
export function liveProcessesInGroup(pgid: number): string[] {
  const found: string[] = [];
  for (const pid of fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      // [state, ppid, pgrp, …] after the command's name.
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (fields[0] === "Z" || Number(fields[2]) !== pgid) continue;
      found.push(fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " "));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}
