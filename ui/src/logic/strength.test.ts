import { describe, expect, it } from "vitest";
import { newPasswordProblem, passwordStrength } from "./strength";

describe("passwordStrength", () => {
  it("refuses passwords shorter than eight characters", () => {
    expect(passwordStrength("Ab1!xyz").strength).toBe("too-short");
    expect(passwordStrength("").strength).toBe("too-short");
  });

  it("calls common passwords and word-plus-digits weak", () => {
    expect(passwordStrength("password123").strength).toBe("weak");
    expect(passwordStrength("Sunshine2024").strength).toBe("weak");
    expect(passwordStrength("qwertyuiop").strength).toBe("weak");
  });

  it("sees through runs and repeats", () => {
    expect(passwordStrength("aaaaaaaaaaaa").strength).toBe("weak");
    expect(passwordStrength("abcdefghijkl").strength).toBe("weak");
  });

  it("rates several unrelated words as strong", () => {
    expect(passwordStrength("correct horse battery staple").strength).toBe("strong");
    expect(passwordStrength("violet-Tundra-93-kettle").strength).toBe("strong");
  });

  it("counts characters, not UTF-16 units", () => {
    expect(passwordStrength("ÄÖÜäöüß€").strength).not.toBe("too-short");
  });

  it("gets stronger as it gets longer", () => {
    const fair = passwordStrength("kettle93").bits;
    const longer = passwordStrength("kettle93violet").bits;
    expect(longer).toBeGreaterThan(fair);
  });
});

describe("newPasswordProblem", () => {
  it("asks for eight characters typed the same twice", () => {
    expect(newPasswordProblem("short", "short")).toMatch(/at least 8/);
    expect(newPasswordProblem("long enough", "long enuogh")).toMatch(/do not match/);
    expect(newPasswordProblem("long enough", "long enough")).toBeNull();
  });
});
