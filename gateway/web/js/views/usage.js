// `/usage`: storage and transfer against the account's quotas.

import { api } from "../api.js";
import { h, replace, bytes } from "../dom.js";

function meter(label, used, limit) {
  return h("div", { class: "field" },
    h("span", {}, `${label}: ${bytes(used)}${limit ? ` of ${bytes(limit)}` : " (no limit)"}`),
    limit ? h("meter", { min: 0, max: limit, value: used, low: limit * 0.8, high: limit * 0.95, optimum: 0, "aria-label": label }) : null);
}

/** `/usage` */
export async function render(view) {
  const u = await api("GET", "/v1/usage");
  replace(view, h("h1", {}, "Usage"),
    h("section", { class: "card" }, h("h2", {}, "Storage"),
      meter("Stored", u.storage.total_bytes, u.quota.storage_bytes),
      h("p", { class: "muted" }, `${u.storage.files} files (${bytes(u.storage.original_bytes)} uploaded, ${bytes(u.storage.output_bytes)} made from them), ${u.storage.jobs} jobs`)),
    h("section", { class: "card" }, h("h2", {}, "Transfer this month"),
      meter("Up and down", u.transfer.month.uploaded + u.transfer.month.downloaded, u.quota.monthly_transfer_bytes),
      h("p", { class: "muted" }, `Today: ${bytes(u.transfer.today.uploaded)} up, ${bytes(u.transfer.today.downloaded)} down. This month: ${bytes(u.transfer.month.uploaded)} up, ${bytes(u.transfer.month.downloaded)} down.`)));
}
