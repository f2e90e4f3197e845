/* Template editor: a form view and a YAML source view (CodeMirror 6) over one text, with live preview.
 *
 * The YAML text is the single source of truth. The form edits it surgically through the `yaml` package's
 * Document API (comments, key order and block scalars survive); the source view is CodeMirror with YAML
 * highlighting and the server's validation issues as lint diagnostics next to their lines. Every change
 * asks the server for a preview (debounced): N random variants rendered with KaTeX, each answer run
 * through its own checker, each listed wrong answer shown failing, and every issue with its line.
 */
import { EditorState } from "@codemirror/state";
import {
  EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter, drawSelection,
} from "@codemirror/view";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { syntaxHighlighting, defaultHighlightStyle, indentOnInput, bracketMatching } from "@codemirror/language";
import { lintGutter, setDiagnostics } from "@codemirror/lint";
import { yaml as yamlLanguage } from "@codemirror/lang-yaml";
import { parseDocument, isMap, isSeq } from "yaml";

const config = JSON.parse(document.getElementById("editor-config").textContent);
const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));
const STRINGIFY = { lineWidth: 0, flowCollectionPadding: false };
const PREVIEW_DELAY_MS = 500;

let templateId = config.templateId;
let lastIssues = [];
let previewTimer = null;
let previewSeq = 0;
let firstSeed = 0;

function csrfToken() {
  const input = document.querySelector("input[name=csrfmiddlewaretoken]");
  return input ? input.value : "";
}

async function postJson(url, body) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken() },
    body: JSON.stringify(body),
    credentials: "same-origin",
  });
  let data = {};
  try { data = await response.json(); } catch (e) { data = {}; }
  return { status: response.status, data };
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k === "html") node.innerHTML = v; // only for server-rendered, already-escaped HTML
    else if (v !== null && v !== undefined && v !== false) node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

function mathSpan(latex) {
  return el("span", { class: "math math-inline", text: `$${latex}$` });
}

/* ------------------------------------------------------------------ source view (CodeMirror) */

const saveKeymap = keymap.of([{ key: "Mod-s", preventDefault: true, run: () => { save(); return true; } }]);
const view = new EditorView({
  parent: $("#source-editor"),
  state: EditorState.create({
    doc: $("#source-fallback").value,
    extensions: [
      lineNumbers(), highlightActiveLineGutter(), lintGutter(), history(), drawSelection(), indentOnInput(),
      bracketMatching(), highlightActiveLine(), syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
      yamlLanguage(), saveKeymap, keymap.of([indentWithTab, ...defaultKeymap, ...historyKeymap]),
      EditorState.tabSize.of(2), EditorView.lineWrapping,
      EditorState.readOnly.of(!!config.readOnly), EditorView.editable.of(!config.readOnly),
      EditorView.contentAttributes.of({ "aria-label": "Template source (YAML)" }),
      EditorView.updateListener.of((update) => {
        if (update.docChanged) {
          markUnsaved();
          schedulePreview();
        }
      }),
    ],
  }),
});
window.templateEditorView = view; // for tests and the browser console

function getSource() { return view.state.doc.toString(); }

function setSource(text) {
  if (text === getSource()) return;
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text }, userEvent: "form" });
}

function showDiagnostics(issues) {
  const doc = view.state.doc;
  const diagnostics = issues.map((issue) => {
    const lineNo = Math.min(Math.max(1, issue.line || 1), doc.lines);
    const line = doc.line(lineNo);
    return { from: line.from, to: line.to, severity: "error",
             message: (issue.field ? issue.field + ": " : "") + issue.message };
  });
  view.dispatch(setDiagnostics(view.state, diagnostics));
}

function goToLine(lineNo) {
  selectTab("source");
  const doc = view.state.doc;
  const line = doc.line(Math.min(Math.max(1, lineNo), doc.lines));
  view.dispatch({ selection: { anchor: line.from, head: line.to }, scrollIntoView: true });
  view.focus();
}

/* ------------------------------------------------------------------ tabs */

function selectTab(which) {
  const formTab = $("#tab-form"), sourceTab = $("#tab-source");
  const toForm = which === "form";
  formTab.setAttribute("aria-selected", String(toForm));
  sourceTab.setAttribute("aria-selected", String(!toForm));
  formTab.tabIndex = toForm ? 0 : -1;
  sourceTab.tabIndex = toForm ? -1 : 0;
  $("#panel-form").hidden = !toForm;
  $("#panel-source").hidden = toForm;
  if (toForm) { fillForm(); showFormErrors(lastIssues); } else { view.requestMeasure(); }
}

$("#tab-form").addEventListener("click", () => selectTab("form"));
$("#tab-source").addEventListener("click", () => selectTab("source"));
for (const tab of [$("#tab-form"), $("#tab-source")]) {
  tab.addEventListener("keydown", (event) => {
    if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
      const next = tab.id === "tab-form" ? "source" : "form";
      selectTab(next);
      $(`#tab-${next}`).focus();
    }
  });
}

/* ------------------------------------------------------------------ form view */

function fillSelect(select, values, labels) {
  select.replaceChildren(...values.map((v, i) => el("option", { value: v, text: labels ? labels[i] : v })));
}
fillSelect($("#f-checker"), config.checkers);
fillSelect($("#f-input-kind"), config.inputKinds);
fillSelect($("#f-skills"), config.skills.map((s) => s.code), config.skills.map((s) => `${s.name} (${s.code})`));
$("#checker-list").textContent = config.checkers.join(", ");

function parsed() {
  const doc = parseDocument(getSource(), { keepSourceTokens: false });
  return doc;
}

function valueText(node, source) {
  if (node === null || node === undefined) return "";
  if (node.range) return source.slice(node.range[0], node.range[1]).trim();
  return String(node);
}

function rowButton(label, onClick) {
  const b = el("button", { type: "button", class: "icon-remove", "aria-label": label, title: label, text: "×" });
  b.addEventListener("click", onClick);
  return b;
}

function textInput(value, attrs = {}) {
  const input = el("input", { type: "text", spellcheck: "false", ...attrs });
  input.value = value;
  return input;
}

function renderListRows(container, key, values, placeholder) {
  container.replaceChildren(...values.map((value, i) => {
    const input = textInput(value, { "aria-label": `${key} ${i + 1}`, placeholder, "data-index": i });
    input.addEventListener("input", () => applyFormSoon(key));
    return el("li", { "data-row": `${key}.${i}` }, input,
      rowButton(`Remove ${key} ${i + 1}`, () => { input.closest("li").remove(); applyForm(key); }));
  }));
}

function variableRow(name, definition) {
  const nameInput = textInput(name, { "aria-label": "Variable name", class: "var-name" });
  const defInput = textInput(definition, { "aria-label": `Definition of ${name || "variable"}`, class: "var-def",
                                           placeholder: "{int: [1, 9]}" });
  for (const input of [nameInput, defInput]) input.addEventListener("input", () => applyFormSoon("variables"));
  const row = el("tr", { "data-row": `variables.${name}` }, el("td", {}, nameInput), el("td", {}, defInput),
    el("td", {}, rowButton(`Remove variable ${name}`, () => { row.remove(); applyForm("variables"); })));
  return row;
}

function wrongRow(w, i) {
  const inputs = ["answer", "note", "feedback"].map((k) => {
    const input = textInput(w[k] || "", { "aria-label": `Wrong answer ${i + 1} ${k}`, "data-key": k,
                                          placeholder: k === "note" ? "SIGN_ERROR" : "" });
    input.addEventListener("input", () => applyFormSoon("wrong_answers"));
    return el("td", {}, input);
  });
  const row = el("tr", { "data-row": `wrong_answers.${i}` }, ...inputs,
    el("td", {}, rowButton(`Remove wrong answer ${i + 1}`, () => { row.remove(); applyForm("wrong_answers"); })));
  return row;
}

function fillForm() {
  const source = getSource();
  const doc = parsed();
  const blocked = $("#form-blocked");
  if (doc.errors.length || !isMap(doc.contents)) {
    const first = doc.errors[0];
    const line = first && first.linePos ? first.linePos[0].line : 1;
    blocked.textContent = `The YAML has a syntax error near line ${line}; fix it in the Source view first.`;
    blocked.hidden = false;
    $("#form-fields").disabled = true;
    return;
  }
  blocked.hidden = true;
  $("#form-fields").disabled = !!config.readOnly;
  const js = doc.toJS() || {};
  for (const input of $$("[data-path]")) {
    const key = input.dataset.path;
    if (key === "skills") {
      const chosen = new Set((Array.isArray(js.skills) ? js.skills : [js.skills]).map(String));
      for (const option of input.options) option.selected = chosen.has(option.value);
      const firstChosen = [...input.options].find((o) => o.selected);
      if (firstChosen) input.scrollTop = Math.max(0, firstChosen.offsetTop - input.offsetTop - 24);
      for (const code of chosen) {
        if (code && code !== "undefined" && ![...input.options].some((o) => o.value === code)) {
          input.append(el("option", { value: code, text: `${code} (unknown skill)`, selected: true }));
        }
      }
    } else if (key === "input_kind") {
      input.value = js.input_kind || "expression";
    } else {
      input.value = js[key] === undefined || js[key] === null ? "" : String(js[key]).replace(/\n$/, "");
    }
  }
  const vars = doc.get("variables");
  const rows = [];
  if (isMap(vars)) for (const pair of vars.items) rows.push(variableRow(String(pair.key && pair.key.value !== undefined ? pair.key.value : pair.key), valueText(pair.value, source)));
  $("#f-variables").replaceChildren(...rows);
  renderListRows($("#f-constraints"), "constraints", (js.constraints || []).map(String), "a < b and gcd(a, b) == 1");
  renderListRows($("#f-hints"), "hints", (js.hints || []).map(String), "A hint for a student who is stuck");
  $("#f-wrong").replaceChildren(...(js.wrong_answers || []).map((w, i) => wrongRow(w || {}, i)));
}

let applyTimer = null;
const pendingKeys = new Set();
function applyFormSoon(key) {
  pendingKeys.add(key);
  clearTimeout(applyTimer);
  applyTimer = setTimeout(() => { for (const k of pendingKeys) applyForm(k); pendingKeys.clear(); }, 250);
}

function scalarNode(doc, value) {
  const node = doc.createNode(value);
  if (typeof value === "string" && value.includes("\n")) node.type = "BLOCK_LITERAL";
  return node;
}

function applyForm(key) {
  const doc = parsed();
  if (doc.errors.length || !isMap(doc.contents)) return;
  const setOrDelete = (path, value, empty) => { if (empty) doc.deleteIn(path); else doc.setIn(path, value); };
  if (key === "skills") {
    const chosen = [...$("#f-skills").selectedOptions].map((o) => o.value);
    doc.setIn(["skills"], doc.createNode(chosen, { flow: true }));
  } else if (key === "difficulty") {
    doc.setIn(["difficulty"], Number($("#f-difficulty").value));
  } else if (key === "statement") {
    const value = $("#f-statement").value;
    const old = doc.get("statement", true);
    if (old && old.type === "BLOCK_LITERAL") doc.setIn(["statement"], scalarNode(doc, value.endsWith("\n") ? value : value + "\n"));
    else doc.setIn(["statement"], scalarNode(doc, value));
  } else if (["title", "id", "answer", "checker", "input_kind"].includes(key)) {
    const input = $(`[data-path="${key}"]`);
    doc.setIn([key], input.value);
  } else if (key === "hints" || key === "constraints") {
    const values = $$(`#f-${key} input`).map((i) => i.value);
    setOrDelete([key], doc.createNode(values), key === "constraints" && !values.length);
  } else if (key === "wrong_answers") {
    const items = $$("#f-wrong tr").map((row) => {
      const value = (k) => $(`input[data-key="${k}"]`, row).value;
      const item = { answer: value("answer"), feedback: value("feedback") };
      if (value("note").trim()) item.note = value("note").trim();
      return item;
    });
    setOrDelete(["wrong_answers"], doc.createNode(items), !items.length);
  } else if (key === "variables") {
    const map = doc.createNode({});
    for (const row of $$("#f-variables tr")) {
      const name = $(".var-name", row).value.trim();
      const definition = $(".var-def", row).value.trim();
      if (!name) continue;
      const sub = parseDocument(definition || "0");
      let node = sub.errors.length ? doc.createNode(definition) : sub.contents;
      if (node && (isMap(node) || isSeq(node))) node.flow = true;
      map.set(doc.createNode(name), node);
    }
    setOrDelete(["variables"], map, !map.items.length);
  }
  setSource(doc.toString(STRINGIFY));
}

for (const input of $$("[data-path]")) {
  const key = input.dataset.path;
  input.addEventListener(input.tagName === "SELECT" ? "change" : "input", () => applyFormSoon(key));
}
for (const button of $$("[data-add]")) {
  button.addEventListener("click", () => {
    const key = button.dataset.add;
    if (key === "variables") {
      const n = $$("#f-variables tr").length;
      $("#f-variables").append(variableRow(`n${n + 1}`, "{int: [1, 9]}"));
    } else if (key === "wrong_answers") {
      $("#f-wrong").append(wrongRow({ answer: "", note: "", feedback: "" }, $$("#f-wrong tr").length));
    } else {
      const list = $(`#f-${key}`);
      const values = $$("input", list).map((i) => i.value);
      values.push(key === "hints" ? "New hint" : "a != b");
      renderListRows(list, key, values, "");
    }
    applyForm(key);
    const last = $$(`[data-add="${key}"]`)[0].previousElementSibling;
    const inputs = last ? $$("input", last) : [];
    if (inputs.length) inputs[inputs.length - (key === "wrong_answers" ? 3 : 1)].focus();
  });
}

/* ------------------------------------------------------------------ errors next to fields */

function showFormErrors(issues) {
  for (const p of $$("[data-error-for]")) p.textContent = "";
  for (const node of $$(".has-error")) node.classList.remove("has-error");
  const general = [];
  for (const issue of issues) {
    const top = (issue.field || "").split(".")[0];
    const slot = top ? $(`[data-error-for="${top}"]`) : null;
    const text = `Line ${issue.line}: ${issue.message}`;
    if (!slot) { general.push(`Line ${issue.line}: ${issue.field ? issue.field + ": " : ""}${issue.message}`); continue; }
    slot.textContent = slot.textContent ? `${slot.textContent} · ${text}` : text;
    const field = slot.closest(".field");
    if (field) field.classList.add("has-error");
    const parts = issue.field.split(".");
    if (parts.length > 1) {
      const row = $(`[data-row="${parts[0]}.${parts[1]}"]`);
      if (row) row.classList.add("has-error");
    }
  }
  const box = $("#general-errors");
  box.replaceChildren(...general.map((g) => el("p", { text: g })));
  box.hidden = general.length === 0;
}

/* ------------------------------------------------------------------ preview */

function schedulePreview() {
  clearTimeout(previewTimer);
  previewTimer = setTimeout(runPreview, PREVIEW_DELAY_MS);
}

function summary(state, text) {
  const box = $("#check-summary");
  box.className = `check-summary ${state}`;
  box.replaceChildren();
  if (state === "busy") box.append(el("span", { class: "spinner", "aria-hidden": "true" }));
  box.append(el("span", { text }));
}

async function runPreview() {
  const seq = ++previewSeq;
  summary("busy", "Checking…");
  const n = Number($("#variant-count").value);
  let result;
  try {
    result = await postJson(config.previewUrl, { source: getSource(), variants: n, first_seed: firstSeed });
  } catch (e) {
    if (seq === previewSeq) summary("bad", "The preview could not reach the server. Check your connection.");
    return;
  }
  if (seq !== previewSeq) return; // a newer preview is on its way
  if (result.status !== 200) {
    summary("bad", (result.data.error && result.data.error.message) || `Preview failed (HTTP ${result.status}).`);
    return;
  }
  renderPreview(result.data);
}

function renderIssues(issues) {
  const list = $("#issue-list");
  list.replaceChildren(...issues.map((issue) => {
    const jump = el("button", { type: "button", class: "line-link", text: `Line ${issue.line}` });
    jump.addEventListener("click", () => goToLine(issue.line));
    return el("li", {}, jump, el("span", { class: "issue-field", text: issue.field || "YAML" }),
              el("span", { class: "issue-message", text: issue.message }));
  }));
  list.hidden = issues.length === 0;
}

function badge(ok, text, cls) {
  return el("span", { class: `badge ${cls || (ok ? "badge-correct" : "badge-incorrect")}`, text });
}

function renderVariant(v, k) {
  const card = el("article", { class: "variant", "aria-label": `Variant ${k + 1}` });
  card.append(el("header", { class: "variant-head" }, el("strong", { text: `Variant ${k + 1}` }),
                 el("span", { class: "muted small", text: `seed ${v.seed}` })));
  if (v.error) {
    card.append(el("p", { class: "variant-error", text: v.error }));
    return card;
  }
  card.append(el("div", { class: "statement variant-statement", html: v.statement_html }));
  const answer = el("p", { class: "variant-answer" }, el("span", { class: "label", text: "Answer " }),
                    v.answer_latex ? mathSpan(v.answer_latex) : el("code", { text: v.answer }), " ",
                    v.answer_ok ? badge(true, `✓ passes ${v.checker}`) : badge(false, `✗ fails ${v.checker}: ${v.answer_note}`));
  card.append(answer);
  if (v.wrong_answers.length) {
    const rows = v.wrong_answers.map((w) => {
      let verdict;
      if (w.correct) verdict = badge(false, "✗ accepted as correct");
      else if (w.passed) verdict = badge(true, `✓ rejected · ${w.note || "note"}`);
      else verdict = badge(false, `! rejected as ${w.note_got}, not ${w.note}`, "badge-warn");
      return el("li", { class: w.passed ? "wa-ok" : "wa-bad" },
                w.answer_latex ? mathSpan(w.answer_latex) : el("code", { text: w.answer }), " ", verdict);
    });
    card.append(el("div", { class: "variant-wrong" }, el("span", { class: "label", text: "Wrong answers" }),
                   el("ul", {}, ...rows)));
  }
  if (v.hints_html.length) {
    const hints = el("details", {}, el("summary", { text: `Hints (${v.hints_html.length})` }),
                     el("ol", {}, ...v.hints_html.map((h) => el("li", { html: h }))));
    card.append(hints);
  }
  if (v.solution.length) {
    card.append(el("details", {}, el("summary", { text: "Worked solution" }),
                   el("ol", { class: "steps" }, ...v.solution.map((s) => el("li", { html: s.html })))));
  }
  return card;
}

function renderPreview(data) {
  lastIssues = data.issues || [];
  showDiagnostics(lastIssues);
  showFormErrors(lastIssues);
  renderIssues(lastIssues);
  const variants = data.variants || [];
  const failing = variants.filter((v) => v.error || !v.answer_ok || v.wrong_answers.some((w) => !w.passed)).length;
  if (lastIssues.length) {
    summary("bad", `${lastIssues.length} problem${lastIssues.length === 1 ? "" : "s"} to fix before saving`);
  } else if (failing) {
    summary("bad", `${failing} variant${failing === 1 ? "" : "s"} failed a check`);
  } else {
    summary("ok", `No problems: ${variants.length} variants checked`);
  }
  const container = $("#variants");
  container.replaceChildren(...variants.map(renderVariant));
  if (window.TutorMath) window.TutorMath.render(container);
  let title = data.identity && data.identity.title;
  if (!title) {
    const doc = parsed();
    title = !doc.errors.length && isMap(doc.contents) ? doc.get("title") : null;
  }
  if (title && typeof title === "string") $("#editor-title").textContent = title;
}

$("#variant-count").addEventListener("change", runPreview);
$("#reroll-button").addEventListener("click", () => { firstSeed = Math.floor(Math.random() * 1e9); runPreview(); });

/* ------------------------------------------------------------------ save */

function status(text, cls) {
  const p = $("#save-status");
  p.textContent = text;
  p.className = `save-status ${cls || ""}`;
}

let saved = getSource();
function markUnsaved() {
  if (config.readOnly) return;
  if (getSource() !== saved) status("Unsaved changes", "unsaved");
  else status("", "");
}

async function save() {
  if (config.readOnly) return;
  const button = $("#save-button");
  button.disabled = true;
  status("Saving… (checking 12 variants)", "busy");
  let result;
  try {
    result = await postJson(config.saveUrl, { source: getSource(), template_id: templateId });
  } catch (e) {
    status("Could not reach the server; nothing was saved.", "bad");
    button.disabled = false;
    return;
  }
  button.disabled = false;
  if (result.status === 200) {
    saved = getSource();
    if (result.data.created) {
      window.location.assign(result.data.url);
      return;
    }
    status(result.data.new_version ? `Saved as version ${result.data.version}.` : `No changes: still version ${result.data.version}.`, "ok");
    return;
  }
  const issues = result.data.issues || [];
  if (issues.length) renderPreview({ issues, variants: [] });
  status((result.data.error && result.data.error.message) || `Not saved (HTTP ${result.status}).`, "bad");
}

if (!config.readOnly) {
  $("#save-button").addEventListener("click", save);
  document.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "s") { event.preventDefault(); save(); }
  });
  window.addEventListener("beforeunload", (event) => {
    if (getSource() !== saved) { event.preventDefault(); event.returnValue = ""; }
  });
}

fillForm();
runPreview();
