// The two Node.js functions the build-time icon plugin uses (the project does not otherwise
// need Node's type definitions, and adding them would change the screens' timer types).
declare module "node:fs" {
  export function readFileSync(path: string, encoding: "utf8"): string;
}
declare module "node:module" {
  export function createRequire(url: string): { resolve(id: string): string };
}
