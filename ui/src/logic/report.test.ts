import { describe, expect, it } from "vitest";
import { errorText, migrationText, summary, toBase64 } from "./report";

describe("reports", () => {
  it("says which Google export batches are missing", () => {
    expect(migrationText({ missing: [2], size: 3 })).toBe("Batch 2 of 3 still missing");
    expect(migrationText({ missing: [2, 3], size: 4 })).toBe("Batches 2 and 3 of 4 still missing");
    expect(migrationText({ missing: [1, 3, 4], size: 4 })).toBe("Batches 1, 3 and 4 of 4 still missing");
    expect(migrationText({ missing: [], size: 2 })).toBe("All 2 batches scanned");
  });

  it("sums up an add or import", () => {
    expect(summary({ added: [{ id: "a", label: "A" }], skipped: [], notes: [] })).toBe("1 account added");
    expect(
      summary({
        added: [{ id: "a", label: "A" }, { id: "b", label: "B" }],
        skipped: [{ entry: "C", reason: "r" }],
        notes: [],
      }),
    ).toBe("2 accounts added, 1 skipped");
    expect(summary({ added: [], skipped: [], notes: [] })).toBe("Nothing was added");
  });

  it("shows errors as sentences, friendlier for the common ones", () => {
    expect(errorText({ kind: "vault.wrong_password", message: "wrong password" })).toBe("Wrong password.");
    expect(errorText({ kind: "account.bad_uri", message: "missing secret" })).toBe("Missing secret.");
    expect(errorText("boom")).toBe("Boom.");
    expect(errorText(undefined)).toBe("Something went wrong.");
    // Thrown by the UI itself (e.g. the camera permission refused).
    expect(errorText(new Error("Twofold may not use the camera."))).toBe("Twofold may not use the camera.");
  });

  it("encodes large files to base64 in chunks", () => {
    const bytes = new Uint8Array(200_000).map((_, i) => i % 251);
    const encoded = toBase64(bytes);
    const decoded = Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0));
    expect(decoded).toEqual(bytes);
    expect(toBase64(new TextEncoder().encode("hi"))).toBe("aGk=");
  });
});
