// tpl: the extern "C" shim over ctemplate. Kept thin: modifiers, a
// dictionary wrapper that remembers declared names, and checked expansion.
#include "tpl.h"

#include <ctemplate/template.h>
#include <ctemplate/template_emitter.h>
#include <ctemplate/template_modifiers.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <unistd.h>
#include <vector>

#include "util.h"

using ctemplate::ExpandEmitter;
using ctemplate::PerExpandData;
using ctemplate::Template;
using ctemplate::TemplateDictionary;
using ctemplate::TemplateModifier;

// a dictionary node; the root owns the name set shared by all its sections
struct tpl_dict {
	TemplateDictionary *td;       // the ctemplate dictionary (owned only by the root)
	struct tpl_dict *root;        // the root of this tree
	std::set<std::string> names;  // root only: every declared name
	std::set<std::string> raw;    // root only: names allowed without a modifier
	std::vector<tpl_dict *> kids; // root only: wrappers of sections, to free
};

namespace {

// quote a value as one POSIX shell word
std::string shell_quote(const char *in, size_t n)
{
	std::string s = "'";
	for (size_t i = 0; i < n; i++) {
		if (in[i] == '\'')
			s += "'\\''";
		else
			s += in[i];
	}
	return s + "'";
}

// escape a value for make, as tpl.h describes
std::string make_escape(const char *in, size_t n)
{
	std::string s;
	if (n && (in[0] == ' ' || in[0] == '\t'))
		s += "$(vdist_empty)";
	for (size_t i = 0; i < n; i++) {
		switch (in[i]) {
		case '$': s += "$$"; break;
		case '#': s += "$(vdist_hash)"; break;
		case '\\': s += "$(vdist_bs)"; break;
		case '\n': s += "$(vdist_nl)"; break;
		default: s += in[i];
		}
	}
	return s;
}

// escape a path for a make target or prerequisite list
std::string make_path(const char *in, size_t n)
{
	std::string s;
	for (size_t i = 0; i < n; i++) {
		switch (in[i]) {
		case '$': s += "$$"; break;
		case ' ': case '#': case '%': case ':': case '\\': case '*': case '?': case '[':
			s += '\\';
			s += in[i];
			break;
		default: s += in[i];
		}
	}
	return s;
}

// x-mkpath
class MakePath : public TemplateModifier {
	void Modify(const char *in, size_t n, const PerExpandData *, ExpandEmitter *out,
	            const std::string &) const override
	{
		out->Emit(make_path(in, n));
	}
};

// x-sh
class ShellQuote : public TemplateModifier {
	void Modify(const char *in, size_t n, const PerExpandData *, ExpandEmitter *out,
	            const std::string &) const override
	{
		out->Emit(shell_quote(in, n));
	}
};

// x-mk
class MakeEscape : public TemplateModifier {
	void Modify(const char *in, size_t n, const PerExpandData *, ExpandEmitter *out,
	            const std::string &) const override
	{
		out->Emit(make_escape(in, n));
	}
};

// one {{...}} marker of a template, for locating problems
struct marker {
	size_t off;        // byte offset of "{{"
	std::string body;  // text between the braces
};

// what vdist checks of a template that does not depend on the dictionary,
// read and parsed once per process (every build expands the same files)
struct parsed_template {
	std::string text;               // the file's bytes
	std::vector<marker> markers;    // its markers, in order
	Template *t = nullptr;          // ctemplate's copy (owned by its cache)
	std::vector<std::string> uses;  // every name it uses, from WriteHeaderEntries
};

// Everything tpl keeps from one call to the next, and the only mutable
// state outside a struct tpl_dict. It is process-wide because what it goes
// with is: ctemplate's modifier registry (AddModifier) and its template
// cache (GetTemplate) are globals of the library, so a modifier registered
// once serves every later expansion, and a template parsed once is the one
// every later build that names its path gets.
struct tpl_state {
	// the modifiers given to ctemplate::AddModifier, which keeps pointers
	// to them for the rest of the process
	ShellQuote shell_quote_mod;
	MakeEscape make_escape_mod;
	MakePath make_path_mod;
	// set by tpl_init() once it has registered them
	bool registered = false;
	// templates that failed once: a second build using one adds no second
	// report
	std::set<std::string> failed_templates;
	// templates read, scanned and loaded, by path
	std::map<std::string, parsed_template> parsed;
	// where ctemplate's messages are caught during an expansion (kept
	// open: a new temporary file for every expansion costs more than it)
	FILE *log = nullptr;

	tpl_state() = default;
	tpl_state(const tpl_state &) = delete;
	tpl_state &operator=(const tpl_state &) = delete;
};

// the one tpl_state, made by the first call (tpl_init(), per tpl.h)
tpl_state &state()
{
	static tpl_state s;
	return s;
}

// the x- modifiers vdist registers; ctemplate accepts unknown x- names silently
const char *const our_mods[] = {"x-sh", "x-mk", "x-mkpath"};


// every marker in text, in order
std::vector<marker> scan(const std::string &text)
{
	std::vector<marker> v;
	size_t i = 0;
	while ((i = text.find("{{", i)) != std::string::npos) {
		size_t e = text.find("}}", i + 2);
		if (e == std::string::npos) {
			v.push_back({i, text.substr(i + 2)});
			break;
		}
		v.push_back({i, text.substr(i + 2, e - i - 2)});
		i = e + 2;
	}
	return v;
}

// the name part of a marker body ("#X" -> "X", "X:x-sh" -> "X")
std::string marker_name(const std::string &b)
{
	size_t s = (!b.empty() && strchr("#/>^", b[0])) ? 1 : 0;
	size_t e = b.find(':', s);
	return b.substr(s, e == std::string::npos ? std::string::npos : e - s);
}

// add a located error
void add_err(struct diags *d, const char *path, const std::string &text, size_t off, const std::string &msg)
{
	int line, col;
	diag_linecol(text.data(), text.size(), off, &line, &col);
	diag_add(d, DIAG_ERROR, path, line, col, "%s", msg.c_str());
}

// run f with fd 2 sent to a temp file; returns what was written there
// run f with stderr going to a temporary file, and return what it wrote;
// with keep, the file is *keep (made on first use, emptied before f, left
// open for the next call), else a new one closed after
template <class F> std::string capture_stderr(F f, FILE **keep = nullptr)
{
	std::fflush(stderr);
	FILE *tmp = keep && *keep ? *keep : std::tmpfile();
	if (keep)
		*keep = tmp;
	if (tmp && keep && ftruncate(fileno(tmp), 0) == 0)
		std::rewind(tmp);
	int saved = dup(2);
	if (tmp && saved >= 0)
		dup2(fileno(tmp), 2);
	f();
	std::fflush(stderr);
	std::string got;
	if (tmp && saved >= 0) {
		dup2(saved, 2);
		std::rewind(tmp);
		char buf[4096];
		size_t n;
		while ((n = std::fread(buf, 1, sizeof buf, tmp)) > 0)
			got.append(buf, n);
	}
	if (saved >= 0)
		close(saved);
	if (tmp && !keep)
		std::fclose(tmp);
	return got;
}

// locate and report a template ctemplate refused to load
void report_load_error(struct diags *d, const char *path, const std::string &text, const std::vector<marker> &ms,
                       const std::string &log)
{
	// ctemplate says "ERROR: Template PATH: ERROR: MESSAGE"; keep MESSAGE
	std::string msg = log;
	size_t p = msg.rfind("ERROR: ");
	if (p != std::string::npos)
		msg = msg.substr(p + 7);
	while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' '))
		msg.pop_back();
	for (char &c : msg)
		if (c == '\n')
			c = ' ';
	if (msg.empty())
		msg = "ctemplate could not load this template";
	// an unknown modifier: find the marker that names it
	size_t q = msg.find("Unknown modifier for variable ");
	if (q != std::string::npos) {
		std::string rest = msg.substr(q + 30);
		std::string var = rest.substr(0, rest.find(':'));
		for (const marker &m : ms)
			if (marker_name(m.body) == var && m.body.find(':') != std::string::npos) {
				add_err(d, path, text, m.off, "template syntax: " + msg);
				return;
			}
	}
	// unbalanced sections: find the first marker that breaks nesting
	std::vector<const marker *> open;
	for (const marker &m : ms) {
		if (m.body.empty())
			continue;
		if (m.body[0] == '#')
			open.push_back(&m);
		else if (m.body[0] == '/') {
			if (open.empty()) {
				add_err(d, path, text, m.off, "template syntax: {{" + m.body + "}} ends a section that was never opened");
				return;
			}
			if (marker_name(open.back()->body) != marker_name(m.body)) {
				add_err(d, path, text, m.off, "template syntax: {{" + m.body + "}} ends a section, but the open section is {{" +
				        open.back()->body + "}}");
				return;
			}
			open.pop_back();
		}
	}
	if (!open.empty()) {
		add_err(d, path, text, open.back()->off, "template syntax: " + msg + " (this section is not closed)");
		return;
	}
	if (!ms.empty() && text.find("}}", ms.back().off) == std::string::npos) {
		add_err(d, path, text, ms.back().off, "template syntax: " + msg);
		return;
	}
	// otherwise the first marker ctemplate would reject: bad characters in its name
	for (const marker &m : ms) {
		std::string n = marker_name(m.body);
		if (!m.body.empty() && (m.body[0] == '!' || m.body[0] == '%'))
			continue;
		bool bad = n.empty();
		for (char c : n)
			if (!(isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.'))
				bad = true;
		if (bad) {
			add_err(d, path, text, m.off, "template syntax: " + msg);
			return;
		}
	}
	diag_add(d, DIAG_ERROR, path, 1, 1, "template syntax: %s", msg.c_str());
}

// the N of the first "line N" in msg, or 0
int log_line(const std::string &msg)
{
	for (size_t p = 0; (p = msg.find("line ", p)) != std::string::npos; p++) {
		if (p > 0 && isalnum((unsigned char)msg[p - 1]))
			continue;
		size_t q = p + 5;
		long n = 0;
		while (q < msg.size() && isdigit((unsigned char)msg[q]) && n < 1000000000)
			n = n * 10 + (msg[q++] - '0');
		if (q > p + 5 && n > 0 && n <= 1000000000)
			return (int)n;
	}
	return 0;
}

// report an expansion ctemplate refused or complained about (log is what
// it wrote to stderr): an error for each message in log, or one saying it
// gave none
void report_expand_error(struct diags *d, const char *path, const std::string &log)
{
	int before = d->errors;
	size_t s = 0;
	while (s < log.size()) {
		size_t e = log.find('\n', s);
		if (e == std::string::npos)
			e = log.size();
		std::string msg = log.substr(s, e - s);
		s = e + 1;
		// ctemplate says "LEVEL: [Template PATH: LEVEL: ]MESSAGE"; keep MESSAGE
		size_t cut = 0;
		for (const char *level : {"ERROR: ", "WARNING: "}) {
			size_t p = msg.rfind(level);
			if (p != std::string::npos)
				cut = std::max(cut, p + strlen(level));
		}
		msg.erase(0, cut);
		while (!msg.empty() && isspace((unsigned char)msg.back()))
			msg.pop_back();
		if (!msg.empty())
			diag_add(d, DIAG_ERROR, path, log_line(msg), 0, "template expansion failed: %s", msg.c_str());
	}
	if (d->errors == before)
		diag_add(d, DIAG_ERROR, path, 0, 0, "template expansion failed: ctemplate gave no reason");
}

}  // namespace

extern "C" void
tpl_init(void)
{
	tpl_state &st = state();
	if (st.registered)
		return;
	// AddModifier is called here and not from a helper: tests/valgrind.supp
	// names tpl_init as the frame whose registrations ctemplate never frees
	ctemplate::AddModifier("x-sh", &st.shell_quote_mod);
	ctemplate::AddModifier("x-mk", &st.make_escape_mod);
	ctemplate::AddModifier("x-mkpath", &st.make_path_mod);
	st.registered = true;
}

extern "C" struct tpl_dict *
tpl_dict_new(void)
{
	tpl_dict *d = new tpl_dict;
	d->td = new TemplateDictionary("vdist");
	d->root = d;
	return d;
}

extern "C" void
tpl_dict_free(struct tpl_dict *d)
{
	if (!d)
		return;
	for (tpl_dict *k : d->kids)
		delete k;
	delete d->td;
	delete d;
}

extern "C" void
tpl_set(struct tpl_dict *d, const char *name, const char *value)
{
	d->root->names.insert(name);
	d->td->SetValue(name, value);
}

extern "C" void
tpl_set_raw(struct tpl_dict *d, const char *name, const char *value)
{
	tpl_set(d, name, value);
	d->root->raw.insert(name);
}

extern "C" void
tpl_declare(struct tpl_dict *d, const char *name)
{
	d->root->names.insert(name);
}

extern "C" struct tpl_dict *
tpl_add_section(struct tpl_dict *d, const char *name)
{
	tpl_dict *k = new tpl_dict;
	k->td = d->td->AddSectionDictionary(name);
	k->root = d->root;
	d->root->kids.push_back(k);
	d->root->names.insert(name);
	return k;
}

extern "C" void
tpl_show_section(struct tpl_dict *d, const char *name)
{
	d->root->names.insert(name);
	d->td->ShowSection(name);
}

extern "C" int
tpl_expand(const char *path, struct tpl_dict *d, char **out, struct diags *diags)
{
	*out = NULL;
	tpl_state &st = state();
	auto it = st.parsed.find(path);
	if (it == st.parsed.end()) {
		size_t len;
		char *raw = util_read_file(path, &len);
		if (!raw) {
			diag_add(diags, DIAG_ERROR, path, 0, 0, "cannot read template: %s", strerror(errno));
			return -1;
		}
		parsed_template p;
		p.text.assign(raw, len);
		free(raw);
		p.markers = scan(p.text);
		it = st.parsed.emplace(path, std::move(p)).first;
	}
	parsed_template &pt = it->second;
	const std::string &text = pt.text;
	const std::vector<marker> &markers = pt.markers;
	if (st.failed_templates.count(path))
		return -1;
	int nerr = diags->errors;
	struct failed_mark {
		tpl_state &st; const char *path; struct diags *d; int n;
		~failed_mark() { if (d->errors > n) st.failed_templates.insert(path); }
	} mark{st, path, diags, nerr};

	// a marker without its closing braces
	for (const marker &m : markers)
		if (text.find("}}", m.off) == std::string::npos) {
			add_err(diags, path, text, m.off, "template syntax: \"{{\" without a closing \"}}\"");
			return -1;
		}

	// ctemplate ignores x- modifiers it does not know: refuse them here;
	// and a value without a modifier must be one vdist-gen checked
	int bad = 0;
	for (const marker &m : markers) {
		if (m.body.empty() || strchr("#/>!%^", m.body[0]))
			continue;
		size_t c = m.body.find(':');
		std::string name = marker_name(m.body);
		if (c == std::string::npos && d->root->names.count(name) && !d->root->raw.count(name)) {
			add_err(diags, path, text, m.off,
			        "{{" + name + "}} needs an escaping modifier: {{" + name + ":x-sh}} in shell, :x-mk in make text, "
			        ":x-mkpath in make file names");
			bad = 1;
		}
		while (c != std::string::npos) {
			size_t e = m.body.find(':', c + 1);
			std::string mod = m.body.substr(c + 1, e == std::string::npos ? std::string::npos : e - c - 1);
			std::string modname = mod.substr(0, mod.find('='));
			if (modname.compare(0, 2, "x-") == 0) {
				bool known = false;
				for (const char *k : our_mods)
					known |= modname == k;
				if (!known) {
					add_err(diags, path, text, m.off,
					        "unknown modifier \"" + modname + "\" on {{" + marker_name(m.body) +
					        "}}: vdist registers x-sh (shell word), x-mk (make text) and x-mkpath (make file name)");
					bad = 1;
				}
			}
			c = e;
		}
	}
	if (bad)
		return -1;

	if (!pt.t) {
		Template *t = nullptr;
		std::string log = capture_stderr([&] { t = Template::GetTemplate(path, ctemplate::DO_NOT_STRIP); });
		if (!t) {
			report_load_error(diags, path, text, markers, log);
			return -1;
		}
		std::string hdr;
		t->WriteHeaderEntries(&hdr);
		size_t p = 0;
		while ((p = hdr.find("STS_INIT_WITH_HASH(", p)) != std::string::npos) {
			size_t q = hdr.find('"', p);
			size_t e = hdr.find('"', q + 1);
			p = e;
			pt.uses.push_back(hdr.substr(q + 1, e - q - 1));
		}
		pt.t = t;
	}

	// every name the template uses must be one vdist-gen provides
	for (const std::string &name : pt.uses) {
		if (d->root->names.count(name))
			continue;
		size_t at = 0;
		for (const marker &m : markers)
			if (marker_name(m.body) == name) {
				at = m.off;
				break;
			}
		add_err(diags, path, text, at,
		        "template uses {{" + name + "}}, which vdist-gen does not provide (see vdist-gen(1) for the names)");
		bad = 1;
	}
	if (bad)
		return -1;

	std::string result;
	bool ok = false;
	std::string elog = capture_stderr([&] { ok = pt.t->Expand(&result, d->td); }, &st.log);
	// ctemplate fails an expansion (an included template it cannot load, a
	// template not ready) by returning false and writing to stderr
	bool logged = false;
	for (char c : elog)
		logged |= !isspace((unsigned char)c);
	if (!ok || logged) {
		report_expand_error(diags, path, elog);
		return -1;
	}
	*out = xstrndup(result.data(), result.size());
	return 0;
}

extern "C" char *
tpl_shell_quote(const char *s)
{
	std::string r = shell_quote(s, strlen(s));
	return xstrndup(r.data(), r.size());
}

extern "C" char *
tpl_make_escape(const char *s)
{
	std::string r = make_escape(s, strlen(s));
	return xstrndup(r.data(), r.size());
}
