import { describe, expect, it } from "vitest";

import { LOCALES, localeCookie, localeFromAcceptLanguage, localeInBrowser } from "./config";
import { MESSAGES } from "./messages";

type Tree = { [key: string]: string | Tree };

function leaves(tree: Tree, prefix = ""): Map<string, string> {
  const found = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === "string") {
      found.set(path, value);
    } else {
      for (const [leaf, text] of leaves(value, path)) {
        found.set(leaf, text);
      }
    }
  }
  return found;
}

/** `{name}` and `{count, plural, ...}` both name an argument the caller must pass. */
function argumentsOf(message: string): string[] {
  return [...message.matchAll(/\{(\w+)[,}]/g)].map((match) => match[1] ?? "").sort();
}

describe("messages", () => {
  const english = leaves(MESSAGES.en);

  it.each(LOCALES)("%s has exactly the English keys", (locale) => {
    expect([...leaves(MESSAGES[locale]).keys()].sort()).toEqual([...english.keys()].sort());
  });

  it.each(LOCALES)("%s uses the same arguments as English in every message", (locale) => {
    const translated = leaves(MESSAGES[locale]);
    for (const [key, message] of english) {
      expect({ key, arguments: argumentsOf(translated.get(key) ?? "") }).toEqual({
        key,
        arguments: argumentsOf(message),
      });
    }
  });

  it.each(LOCALES)("%s has no empty message", (locale) => {
    const empty = [...leaves(MESSAGES[locale])].filter(([, text]) => text.trim() === "");
    expect(empty).toEqual([]);
  });
});

describe("localeFromAcceptLanguage", () => {
  it("picks Simplified Chinese for any Chinese preference, English otherwise", () => {
    expect(localeFromAcceptLanguage("zh-CN,zh;q=0.9,en;q=0.8")).toBe("zh-CN");
    expect(localeFromAcceptLanguage("en-US,en;q=0.9")).toBe("en");
    expect(localeFromAcceptLanguage(null)).toBe("en");
  });
});

describe("localeInBrowser", () => {
  it("prefers the chosen language, then the browser's, as the server does", () => {
    expect(localeInBrowser("theme=dark; NEXT_LOCALE=zh-CN", ["en-US"])).toBe("zh-CN");
    expect(localeInBrowser("NEXT_LOCALE=en", ["zh-CN", "zh"])).toBe("en");
    expect(localeInBrowser("NEXT_LOCALE=fr", ["zh-TW"])).toBe("zh-CN");
    expect(localeInBrowser("", ["de-DE", "en"])).toBe("en");
  });
});

describe("localeCookie", () => {
  it("is the cookie the browser and the server then read, kept site-wide for a year", () => {
    const [pair, ...attributes] = localeCookie("zh-CN").split("; ");
    expect(localeInBrowser(`theme=dark; ${pair}`, ["en-US"])).toBe("zh-CN");
    expect(attributes).toEqual(["path=/", `max-age=${365 * 24 * 3600}`, "samesite=lax"]);
  });
});
