// A password strength hint for the first-run screen. It estimates the guessing entropy of a
// password from its character classes and length, and takes off for the patterns people
// (and cracking tools) use most: repeats, sequences, a word with digits on the end.

export type Strength = "too-short" | "weak" | "fair" | "good" | "strong";

export const MIN_LENGTH = 8;

export interface StrengthHint {
  strength: Strength;
  /** Estimated entropy in bits (rough). */
  bits: number;
  /** What to tell the user. */
  hint: string;
}

const COMMON = [
  "password", "passwort", "qwerty", "azerty", "letmein", "welcome", "admin", "iloveyou",
  "monkey", "dragon", "football", "baseball", "sunshine", "princess", "master", "twofold",
  "123456", "abc123", "111111", "secret", "changeme",
];

function poolSize(password: string): number {
  let pool = 0;
  if (/[a-z]/.test(password)) pool += 26;
  if (/[A-Z]/.test(password)) pool += 26;
  if (/[0-9]/.test(password)) pool += 10;
  if (/[^a-zA-Z0-9\s]/.test(password)) pool += 33;
  if (/\s/.test(password)) pool += 1;
  // Letters outside ASCII: count a modest extra alphabet.
  if (/[^\u0000-\u007f]/.test(password)) pool += 40;
  return Math.max(pool, 1);
}

/** Characters that continue a run: "aaaa", "abcd", "4321" cost almost nothing to guess. */
function predictableChars(password: string): number {
  let predictable = 0;
  for (let i = 1; i < password.length; i++) {
    const step = password.charCodeAt(i) - password.charCodeAt(i - 1);
    if (step === 0 || step === 1 || step === -1) predictable++;
  }
  return predictable;
}

export function passwordStrength(password: string): StrengthHint {
  const length = [...password].length;
  if (length < MIN_LENGTH) {
    return {
      strength: "too-short",
      bits: 0,
      hint: `Use at least ${MIN_LENGTH} characters; a few unrelated words work well.`,
    };
  }
  const perChar = Math.log2(poolSize(password));
  const effective = length - predictableChars(password) * 0.75;
  let bits = Math.max(0, effective * perChar);
  const lower = password.toLowerCase();
  if (COMMON.some((word) => lower.includes(word))) bits = Math.min(bits, 20);
  // A word followed by digits or a symbol: the most common shape of all.
  if (/^[A-Za-z]+[0-9!?.]{1,4}$/.test(password)) bits = Math.min(bits, 30);
  bits = Math.round(bits);

  if (bits < 36) {
    return { strength: "weak", bits, hint: "Easy to guess. Add more words or characters." };
  }
  if (bits < 50) {
    return { strength: "fair", bits, hint: "Could be stronger: add another word." };
  }
  if (bits < 70) {
    return { strength: "good", bits, hint: "Good. Longer is stronger still." };
  }
  return { strength: "strong", bits, hint: "Strong." };
}

/** Why a new password (typed twice) cannot be used, or null when it can. */
export function newPasswordProblem(password: string, repeat: string): string | null {
  if ([...password].length < MIN_LENGTH) return `Use at least ${MIN_LENGTH} characters.`;
  if (password !== repeat) return "The passwords do not match.";
  return null;
}
