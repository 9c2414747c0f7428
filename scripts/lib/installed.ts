// Checks a browser executable is there before `npm start` launches it, and
// says how to install it when it is not.

import { constants } from 'node:fs';
import { access } from 'node:fs/promises';

export interface BrowserInstall {
  name: string;
  path: string;
  /** Debian's package for it. */
  aptPackage: string;
  /** The variable that points at another executable, and what it may point at. */
  pathVariable: string;
  accepts: string;
}

/** Throws a message saying how to install the browser when its path is not an executable. */
export async function assertInstalled({
  name,
  path,
  aptPackage,
  pathVariable,
  accepts,
}: BrowserInstall): Promise<void> {
  try {
    await access(path, constants.X_OK);
  } catch {
    throw new Error(
      `${name} was not found at ${path}.\n` +
        `Install it with:  sudo apt-get install -y ${aptPackage}\n` +
        `or point ${pathVariable} at a ${accepts} executable.`,
    );
  }
}
