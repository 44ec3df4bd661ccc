/* The loader's fast path for plain manifests: libyaml's events straight to data; and
 * placing a finding from the same events (locate(), further down).
 *
 * lint/loader.py composes a YAML file with PyYAML's C loader and builds its data from the
 * node tree (lint/document.py Builder).  Most manifests use a small part of YAML: block and
 * flow mappings and sequences, plain and quoted scalars, scalar keys.  For such a file this
 * module reads libyaml's events and builds the same data at once, with no node tree and no
 * marks, and returns for each document what the loader keeps of its root (where it starts,
 * where its own text ends, how many entries it has) so that the tree can be composed again
 * by PyYAML when a finding needs a position.
 *
 * It declines -- returns None, and the loader takes its usual path for the whole file --
 * whenever the file holds anything else: a parse error of any kind, a directive, an
 * anchor, an alias, a tag, a merge key, a collection as a key, a duplicate key, a root that
 * is not a mapping (an empty document excepted), nesting deeper than MAX_NEST, more than
 * max_nodes nodes.  It never says why: the usual path says it, with the exact message and
 * position it has always given.  So the fast path only decides what is unambiguous, and
 * scalars are typed by the loader's own Python code (the memos and ``_plain`` passed in),
 * never here.
 *
 * Bounded: no recursion (an explicit stack of MAX_NEST frames), nodes counted, every event
 * freed, every object created checked.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <dlfcn.h>
#include <yaml.h>

/* libyaml's functions are those of PyYAML's own C extension (yaml._yaml, which links
 * libyaml in and exports it), looked up when this module is imported: both paths parse
 * with one and the same parser, whatever libyaml release PyYAML was built with.  yaml.h
 * (libyaml's headers, at build time) gives the layout of events; a probe at import checks
 * that layout against the events of a known text, and the module refuses to load (the
 * loader takes the usual path) when they disagree. */
static int (*p_initialize)(yaml_parser_t *);
static void (*p_delete)(yaml_parser_t *);
static void (*p_set_input_string)(yaml_parser_t *, const unsigned char *, size_t);
static int (*p_parse)(yaml_parser_t *, yaml_event_t *);
static void (*p_event_delete)(yaml_event_t *);
static const char *(*p_version_string)(void);

/* room for the parser's state: twice the size yaml.h gives, and more, should a later
 * release of libyaml keep more in it */
#define PARSER_ROOM (2 * sizeof(yaml_parser_t) + 4096)

#define MAX_NEST 64

typedef struct {
    PyObject *obj;      /* the dict or list being filled */
    PyObject *key;      /* a mapping's key waiting for its value (owned), or NULL */
    int is_map;
    int flow;           /* a flow collection: its own text ends at its closing bracket */
    Py_ssize_t last_end;  /* own end of the last entry's value (-1: none yet) */
    int spans;          /* the mapping under the root's key "data": where its scalars are */
} Frame;

typedef struct {
    PyObject *words;    /* _WORDS: plain text typed as a string -> the text */
    PyObject *plain;    /* _PLAIN: other plain text -> (tag, data) */
    PyObject *plain_fn; /* _plain(text) -> (tag, data) */
    PyObject *str_tag;
    PyObject *merge_tag;
} Typing;

/* DECLINE: not an error, the file goes the usual way */
#define DECLINE 1
#define FAILED 2

/* The data of a plain scalar ``text`` (a new reference), as the Builder types it.
 * *is_str: typed as a string; *is_merge: the merge key "<<". */
static PyObject *
plain_data(Typing *t, PyObject *text, int *is_str, int *is_merge)
{
    PyObject *hit = PyDict_GetItemWithError(t->words, text);
    *is_merge = 0;
    if (hit != NULL) {
        *is_str = 1;
        Py_INCREF(hit);
        return hit;
    }
    if (PyErr_Occurred())
        return NULL;
    PyObject *pair = PyDict_GetItemWithError(t->plain, text);
    if (pair != NULL) {
        Py_INCREF(pair);
    } else {
        if (PyErr_Occurred())
            return NULL;
        pair = PyObject_CallOneArg(t->plain_fn, text);
        if (pair == NULL)
            return NULL;
    }
    if (!PyTuple_CheckExact(pair) || PyTuple_GET_SIZE(pair) != 2) {
        Py_DECREF(pair);
        PyErr_SetString(PyExc_TypeError, "_plain must return (tag, data)");
        return NULL;
    }
    PyObject *tag = PyTuple_GET_ITEM(pair, 0);
    int eq = PyUnicode_Check(tag) ? PyUnicode_Compare(tag, t->str_tag) == 0 : 0;
    *is_str = eq;
    if (!eq && PyUnicode_Check(tag) && PyUnicode_Compare(tag, t->merge_tag) == 0)
        *is_merge = 1;
    if (PyErr_Occurred()) {
        Py_DECREF(pair);
        return NULL;
    }
    PyObject *data = PyTuple_GET_ITEM(pair, 1);
    Py_INCREF(data);
    Py_DECREF(pair);
    return data;
}

static void
clear_stack(Frame *stack, int depth)
{
    for (int i = 0; i < depth; i++) {
        Py_CLEAR(stack[i].obj);
        Py_CLEAR(stack[i].key);
    }
}

/* Put ``value`` (a new reference, stolen) into the collection on top of the stack, or make
 * it the root.  Returns 0, DECLINE or FAILED. */
static int
place(Frame *stack, int depth, PyObject *value, Py_ssize_t own_end, PyObject **root, Py_ssize_t *root_end,
      PyObject *span, PyObject **spans)
{
    if (depth == 0) {
        *root = value;
        *root_end = own_end;
        return 0;
    }
    Frame *f = &stack[depth - 1];
    if (!f->is_map) {
        int rc = PyList_Append(f->obj, value);
        Py_DECREF(value);
        if (rc < 0)
            return FAILED;
        f->last_end = own_end;
        return 0;
    }
    if (f->key == NULL) {
        /* a key: only scalars come here (a collection as a key is declined at its start) */
        int has = PyDict_Contains(f->obj, value);
        if (has != 0) {  /* a duplicate key (or an unhashable one): the usual path says so */
            Py_DECREF(value);
            if (has < 0)
                PyErr_Clear();
            return DECLINE;
        }
        f->key = value;
        return 0;
    }
    if (f->spans && span != NULL) {
        if (*spans == NULL && (*spans = PyDict_New()) == NULL) {
            Py_DECREF(value);
            return FAILED;
        }
        if (PyDict_SetItem(*spans, f->key, span) < 0) {
            Py_DECREF(value);
            return FAILED;
        }
    }
    int rc = PyDict_SetItem(f->obj, f->key, value);
    Py_DECREF(value);
    Py_CLEAR(f->key);
    if (rc < 0)
        return FAILED;
    f->last_end = own_end;
    return 0;
}

/* compose(text, words, plain, plain_fn, str_tag, merge_tag, max_nodes)
 *   -> None (declined) or a list with an item per document:
 *      None (an empty document) or (data, start_index, start_line, start_column,
 *      end_index, own_end, entries, spans): spans maps each key of the root's "data" mapping
 *      whose value is a scalar to (start index, line, column, end index, line, column, style),
 *      or is None. */
static PyObject *
fastyaml_compose(PyObject *self, PyObject *args)
{
    PyObject *text;
    Typing t;
    Py_ssize_t max_nodes;
    if (!PyArg_ParseTuple(args, "UO!O!OUUn", &text, &PyDict_Type, &t.words, &PyDict_Type, &t.plain,
                          &t.plain_fn, &t.str_tag, &t.merge_tag, &max_nodes))
        return NULL;

    Py_ssize_t size;
    const char *utf8 = PyUnicode_AsUTF8AndSize(text, &size);
    if (utf8 == NULL) {  /* lone surrogates: not UTF-8, the usual path says what it says */
        PyErr_Clear();
        Py_RETURN_NONE;
    }

    yaml_parser_t *parser = PyMem_Calloc(1, PARSER_ROOM);
    if (parser == NULL)
        return PyErr_NoMemory();
    if (!p_initialize(parser)) {
        PyMem_Free(parser);
        return PyErr_NoMemory();
    }
    /* as PyYAML does with a str: its UTF-8, the encoding left to libyaml (which skips a BOM) */
    p_set_input_string(parser, (const unsigned char *)utf8, (size_t)size);

    PyObject *docs = PyList_New(0);
    Frame stack[MAX_NEST];
    int depth = 0;
    int status = 0;
    Py_ssize_t nodes = 0;
    PyObject *root = NULL;
    Py_ssize_t root_end = 0;
    yaml_mark_t root_mark = {0, 0, 0};
    Py_ssize_t root_entries = 0;
    Py_ssize_t root_end_index = 0;
    PyObject *spans = NULL;  /* the current document's "data" values: key -> where */
    int in_document = 0;
    if (docs == NULL)
        status = FAILED;

    while (status == 0) {
        yaml_event_t event;
        if (!p_parse(parser, &event)) {
            status = DECLINE;  /* a parse error: the usual path reports it */
            break;
        }
        int done = 0;
        switch (event.type) {
        case YAML_STREAM_START_EVENT:
        case YAML_NO_EVENT:
            break;
        case YAML_STREAM_END_EVENT:
            done = 1;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (event.data.document_start.version_directive != NULL ||
                event.data.document_start.tag_directives.start != event.data.document_start.tag_directives.end)
                status = DECLINE;
            in_document = 1;
            root = NULL;
            break;
        case YAML_DOCUMENT_END_EVENT: {
            PyObject *item;
            if (!in_document || root == NULL || depth != 0) {
                status = DECLINE;
                break;
            }
            if (root == Py_None) {
                item = Py_None;
                Py_INCREF(item);
            } else {
                item = Py_BuildValue("(OnnnnnnO)", root, (Py_ssize_t)root_mark.index, (Py_ssize_t)root_mark.line,
                                     (Py_ssize_t)root_mark.column, root_end_index, root_end, root_entries,
                                     spans != NULL ? spans : Py_None);
            }
            Py_CLEAR(root);
            Py_CLEAR(spans);
            in_document = 0;
            if (item == NULL) {
                status = FAILED;
                break;
            }
            int rc = PyList_Append(docs, item);
            Py_DECREF(item);
            if (rc < 0)
                status = FAILED;
            break;
        }
        case YAML_ALIAS_EVENT:
            status = DECLINE;
            break;
        case YAML_SCALAR_EVENT: {
            if (event.data.scalar.anchor != NULL || event.data.scalar.tag != NULL) {
                status = DECLINE;
                break;
            }
            if (++nodes > max_nodes) {
                status = DECLINE;
                break;
            }
            PyObject *s = PyUnicode_DecodeUTF8((const char *)event.data.scalar.value,
                                               (Py_ssize_t)event.data.scalar.length, "strict");
            if (s == NULL) {
                status = FAILED;
                break;
            }
            int plain = event.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
            int as_key = depth > 0 && stack[depth - 1].is_map && stack[depth - 1].key == NULL;
            PyObject *value;
            if (plain) {
                int is_str = 0, is_merge = 0;
                value = plain_data(&t, s, &is_str, &is_merge);
                Py_DECREF(s);
                if (value == NULL) {
                    status = FAILED;
                    break;
                }
                if (as_key) {
                    if (is_merge) {
                        Py_DECREF(value);
                        status = DECLINE;
                        break;
                    }
                    if (is_str && PyUnicode_CheckExact(value))
                        PyUnicode_InternInPlace(&value);
                }
                if (depth == 0) {  /* a document that is one scalar: only an empty one is ours */
                    if (value != Py_None) {
                        Py_DECREF(value);
                        status = DECLINE;
                        break;
                    }
                }
            } else {
                if (depth == 0) {
                    Py_DECREF(s);
                    status = DECLINE;
                    break;
                }
                /* quoted: a string; keys and a mapping's short values shared (as the Builder) */
                if (as_key || (stack[depth - 1].is_map && PyUnicode_GET_LENGTH(s) <= 64))
                    PyUnicode_InternInPlace(&s);
                value = s;
            }
            PyObject *span = NULL;
            if (depth == 2 && stack[1].spans && stack[1].key != NULL) {
                /* a value of the ConfigMap-like "data" mapping: where it is written, and how
                 * (lint/loader.py _embed reads JSON or YAML held there) */
                char style[2] = {0, 0};
                switch (event.data.scalar.style) {
                case YAML_SINGLE_QUOTED_SCALAR_STYLE: style[0] = '\''; break;
                case YAML_DOUBLE_QUOTED_SCALAR_STYLE: style[0] = '"'; break;
                case YAML_LITERAL_SCALAR_STYLE: style[0] = '|'; break;
                case YAML_FOLDED_SCALAR_STYLE: style[0] = '>'; break;
                default: break;
                }
                span = Py_BuildValue("(nnnnnns)", (Py_ssize_t)event.start_mark.index, (Py_ssize_t)event.start_mark.line,
                                     (Py_ssize_t)event.start_mark.column, (Py_ssize_t)event.end_mark.index,
                                     (Py_ssize_t)event.end_mark.line, (Py_ssize_t)event.end_mark.column, style);
                if (span == NULL) {
                    Py_DECREF(value);
                    status = FAILED;
                    break;
                }
            }
            status = place(stack, depth, value, (Py_ssize_t)event.end_mark.index, &root, &root_end, span, &spans);
            Py_XDECREF(span);
            if (status == 0 && depth == 0)
                root_mark = event.start_mark;
            break;
        }
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT: {
            int is_map = event.type == YAML_MAPPING_START_EVENT;
            yaml_char_t *anchor = is_map ? event.data.mapping_start.anchor : event.data.sequence_start.anchor;
            yaml_char_t *tag = is_map ? event.data.mapping_start.tag : event.data.sequence_start.tag;
            if (anchor != NULL || tag != NULL || depth >= MAX_NEST || ++nodes > max_nodes) {
                status = DECLINE;
                break;
            }
            if (depth == 0 ? !is_map : (stack[depth - 1].is_map && stack[depth - 1].key == NULL)) {
                status = DECLINE;  /* a root list, or a collection as a key */
                break;
            }
            PyObject *obj = is_map ? PyDict_New() : PyList_New(0);
            if (obj == NULL) {
                status = FAILED;
                break;
            }
            Frame *f = &stack[depth++];
            f->obj = obj;
            f->key = NULL;
            f->is_map = is_map;
            f->flow = is_map ? event.data.mapping_start.style == YAML_FLOW_MAPPING_STYLE
                             : event.data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE;
            f->last_end = -1;
            f->spans = depth == 2 && is_map && stack[0].key != NULL && PyUnicode_Check(stack[0].key) &&
                       PyUnicode_CompareWithASCIIString(stack[0].key, "data") == 0;
            if (depth == 1)
                root_mark = event.start_mark;
            break;
        }
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT: {
            if (depth == 0) {
                status = DECLINE;
                break;
            }
            Frame *f = &stack[--depth];
            PyObject *obj = f->obj;
            f->obj = NULL;
            if (f->key != NULL) {  /* cannot happen: libyaml pairs every key with a value */
                Py_CLEAR(f->key);
                Py_DECREF(obj);
                status = DECLINE;
                break;
            }
            /* lint/document.py node_end: a block collection's text ends with its last entry's */
            Py_ssize_t own_end = (f->flow || f->last_end < 0) ? (Py_ssize_t)event.end_mark.index : f->last_end;
            if (depth == 0) {
                root_entries = f->is_map ? PyDict_GET_SIZE(obj) : PyList_GET_SIZE(obj);
                root_end_index = (Py_ssize_t)event.end_mark.index;  /* the root node's end mark */
            }
            status = place(stack, depth, obj, own_end, &root, &root_end, NULL, &spans);
            break;
        }
        }
        p_event_delete(&event);
        if (done)
            break;
    }
    clear_stack(stack, depth);
    Py_CLEAR(root);
    Py_CLEAR(spans);
    p_delete(parser);
    PyMem_Free(parser);
    if (status == DECLINE) {
        Py_CLEAR(docs);
        PyErr_Clear();
        Py_RETURN_NONE;
    }
    if (status == FAILED) {  /* out of memory, or _plain raised: the caller takes the usual path */
        Py_CLEAR(docs);
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_RuntimeError, "fast YAML path failed");
        return NULL;
    }
    return docs;
}

/* ---- placing a finding: locate() --------------------------------------------------------
 *
 * lint/document.py places a finding on a released document by composing the lines of the
 * root entry its path starts with (or of the whole document) with PyYAML, then walking the
 * tree down the path (``_child``) and taking the marks of the node reached (``node_end``).
 * locate() gives the same offsets from libyaml's events over the same lines, with no node
 * tree: a frame per open collection, nothing made per node.
 *
 * It follows ``_child``: a mapping's key matches a path step when its text is the step's
 * str(); an int step indexes a sequence; the last of keys with the same text wins.  And
 * ``node_end``: a block collection's own text ends where its last entry's value does.  It
 * declines (None: the caller composes as before) on what the walk would need a tree for or
 * the loader never releases: a parse error, a directive, an anchor, an alias, a tag, a plain
 * "<<" key (a merge), a collection as a key, a root that is no mapping, a second document,
 * nesting deeper than MAX_NEST.
 *
 * ``data`` given (the document's data, when the loader found no duplicate keys in it, see
 * loader.placing_walk): the walk stops once the answer cannot change.  A later key can
 * replace a match only when it has the same text; a mapping whose data keys are all strings
 * has none (a string key's data is its text), so after the match on a way of such mappings
 * nothing after can change the answer.  Without ``data`` every event of the slice is read,
 * as composing it would. */

typedef struct {
    char is_map, flow;
    char at_key;        /* a mapping: the next node is a key */
    char match_next;    /* a mapping: the key just read matched the path, its value is next */
    char unique;        /* a mapping: no two of its keys have the same text (see above) */
    int level;          /* this node is the one at path[:level] on the way down, or -1 */
    Py_ssize_t count;   /* entries so far */
    Py_ssize_t last_end; /* own end of the last entry's value (-1: none yet) */
    Py_ssize_t kstart, kend; /* the matched key, while its value is read */
    PyObject *data;     /* borrowed: the node's data when known, else NULL */
} LFrame;

typedef struct {
    const char *text;   /* UTF-8 of the key the step matches (NULL: matches no key) */
    Py_ssize_t size;
    PyObject *key;      /* the step's str (owned), to look the data up */
    Py_ssize_t index;   /* the sequence index the step matches, or -1 */
} Step;

/* Is every key of ``data`` (a dict) a str?  Then no two of its YAML keys share a text. */
static int
str_keys_only(PyObject *data)
{
    if (data == NULL || !PyDict_CheckExact(data))
        return 0;
    Py_ssize_t pos = 0;
    PyObject *k, *v;
    while (PyDict_Next(data, &pos, &k, &v))
        if (!PyUnicode_CheckExact(k))
            return 0;
    return 1;
}

/* ---- the events of a slice, kept for the next finding ----------------------------------
 *
 * A document with several findings is walked once per finding, most often over the same
 * lines (the whole of a short document, or one root entry), and libyaml's parse is most of
 * a walk.  So the events a walk reads are kept, as locate() reads them (type, marks,
 * styles, a scalar's text), for the last REPLAY_SLOTS slices walked, with the parser that
 * read them: a later walk of the same slice reads the kept events and, past them, goes on
 * parsing where the last walk stopped -- the same events in the same order, so the same
 * answer.  Bounded: only slices of at most REPLAY_MAX_BYTES bytes are kept (a longer one
 * is read as before, one event at a time), at most REPLAY_EVENTS(bytes) events each, their
 * texts at most the slice's bytes and more; past a bound the slot is dropped and the walk
 * declines (the trees place the finding, as before).  A slot holds a reference to its
 * text: the text it is compared with is the one it read. */
#define REPLAY_SLOTS 4
#define REPLAY_MAX_BYTES (1 << 15)
#define REPLAY_EVENTS(bytes) (2 * (bytes) + 64)

typedef struct {
    int type;
    char odd;           /* an anchor or a tag; a document's start: a directive */
    char flow;          /* a collection's start: flow style */
    char plain;         /* a scalar: plain style */
    Py_ssize_t start, line, column;  /* the start mark */
    Py_ssize_t end;     /* the end mark's index */
    Py_ssize_t value, length;  /* a scalar: its text, at ``value`` in the slice's texts */
} Ev;

typedef struct {
    PyObject *text;     /* owned: the text read (NULL: a free slot) */
    Py_ssize_t begin, stop;
    PyObject *piece;    /* owned: the slice's UTF-8 the parser reads (a copy, for non-ASCII text), or NULL */
    yaml_parser_t *parser;  /* reads the events after those kept; NULL once the stream is read or failed */
    int keep;           /* keep the events (else only the last one read) */
    int broken;         /* a bound passed or memory short: the slot is dropped after the walk */
    Ev *events;
    Py_ssize_t count, room, most;
    char *texts;
    Py_ssize_t used, texts_room, texts_most;
} Slice;

static Slice slices[REPLAY_SLOTS];
static int next_slot;

static void
slice_free(Slice *s)
{
    if (s->parser != NULL) {
        p_delete(s->parser);
        PyMem_Free(s->parser);
    }
    PyMem_Free(s->events);
    PyMem_Free(s->texts);
    Py_XDECREF(s->text);
    Py_XDECREF(s->piece);
    memset(s, 0, sizeof(*s));
}

/* Start reading ``utf8`` (``size`` bytes of text[begin:stop], owned by ``piece`` or by the
 * text) into ``s``; 0, or -1 with a MemoryError. */
static int
slice_open(Slice *s, PyObject *text, Py_ssize_t begin, Py_ssize_t stop, PyObject *piece, const char *utf8,
           Py_ssize_t size, int keep)
{
    memset(s, 0, sizeof(*s));
    s->parser = PyMem_Malloc(PARSER_ROOM);  /* p_initialize clears what it uses */
    if (s->parser == NULL || !p_initialize(s->parser)) {
        PyMem_Free(s->parser);
        s->parser = NULL;
        PyErr_NoMemory();
        return -1;
    }
    p_set_input_string(s->parser, (const unsigned char *)utf8, (size_t)size);
    Py_INCREF(text);
    s->text = text;
    Py_XINCREF(piece);
    s->piece = piece;
    s->begin = begin;
    s->stop = stop;
    s->keep = keep;
    s->most = keep ? REPLAY_EVENTS(size) : 1;
    s->texts_most = keep ? size + 64 : PY_SSIZE_T_MAX;
    return 0;
}

/* The event at ``*at`` (then one further): a kept one, else the next one parsed (kept).
 * 1; 0 when libyaml fails there (a parse error, as often as it is read); -1 when the slot
 * broke (a bound, or no memory: a MemoryError then). */
static int
slice_next(Slice *s, Py_ssize_t *at, Ev *ev, const char **value)
{
    if (!s->keep)
        s->count = s->used = *at = 0;
    if (*at < s->count) {
        *ev = s->events[(*at)++];
        *value = s->texts == NULL ? "" : s->texts + ev->value;
        return 1;
    }
    if (s->parser == NULL)
        return 0;
    if (s->count >= s->most) {
        s->broken = 1;
        return -1;
    }
    yaml_event_t e;
    if (!p_parse(s->parser, &e)) {
        p_delete(s->parser);
        PyMem_Free(s->parser);
        s->parser = NULL;
        return 0;
    }
    if (s->count == s->room) {
        Py_ssize_t room = s->room ? 2 * s->room : 64;
        if (room > s->most)
            room = s->most;
        Ev *more = PyMem_Realloc(s->events, (size_t)room * sizeof(Ev));
        if (more == NULL) {
            p_event_delete(&e);
            s->broken = 1;
            PyErr_NoMemory();
            return -1;
        }
        s->events = more;
        s->room = room;
    }
    Ev *out = &s->events[s->count];
    memset(out, 0, sizeof(*out));
    out->type = e.type;
    out->start = (Py_ssize_t)e.start_mark.index;
    out->line = (Py_ssize_t)e.start_mark.line;
    out->column = (Py_ssize_t)e.start_mark.column;
    out->end = (Py_ssize_t)e.end_mark.index;
    switch (e.type) {
    case YAML_DOCUMENT_START_EVENT:
        out->odd = e.data.document_start.version_directive != NULL ||
                   e.data.document_start.tag_directives.start != e.data.document_start.tag_directives.end;
        break;
    case YAML_SCALAR_EVENT: {
        out->odd = e.data.scalar.anchor != NULL || e.data.scalar.tag != NULL;
        out->plain = e.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        Py_ssize_t n = (Py_ssize_t)e.data.scalar.length;
        if (n > s->texts_most - s->used) {
            p_event_delete(&e);
            s->broken = 1;
            return -1;
        }
        if (s->used + n + 1 > s->texts_room) {
            Py_ssize_t room = s->texts_room ? 2 * s->texts_room : 1024;
            while (room < s->used + n + 1)
                room *= 2;
            char *more = PyMem_Realloc(s->texts, (size_t)room);
            if (more == NULL) {
                p_event_delete(&e);
                s->broken = 1;
                PyErr_NoMemory();
                return -1;
            }
            s->texts = more;
            s->texts_room = room;
        }
        if (n > 0)
            memcpy(s->texts + s->used, e.data.scalar.value, (size_t)n);
        out->value = s->used;
        out->length = n;
        s->used += n;
        break;
    }
    case YAML_SEQUENCE_START_EVENT:
        out->odd = e.data.sequence_start.anchor != NULL || e.data.sequence_start.tag != NULL;
        out->flow = e.data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE;
        break;
    case YAML_MAPPING_START_EVENT:
        out->odd = e.data.mapping_start.anchor != NULL || e.data.mapping_start.tag != NULL;
        out->flow = e.data.mapping_start.style == YAML_FLOW_MAPPING_STYLE;
        break;
    case YAML_ALIAS_EVENT:
        out->odd = 1;
        break;
    default:
        break;
    }
    p_event_delete(&e);  /* (which clears e) */
    if (out->type == YAML_STREAM_END_EVENT) {  /* nothing after: the parser is done */
        p_delete(s->parser);
        PyMem_Free(s->parser);
        s->parser = NULL;
    }
    s->count++;
    *ev = *out;
    *value = s->texts == NULL ? "" : s->texts + out->value;
    (*at)++;
    return 1;
}

/* forget(): drop the kept events (tests compare walks with and without them). */
static PyObject *
fastyaml_forget(PyObject *self, PyObject *unused)
{
    for (int i = 0; i < REPLAY_SLOTS; i++)
        slice_free(&slices[i]);
    next_slot = 0;
    Py_RETURN_NONE;
}

/* locate(text, begin, stop, path, data)
 *   -> None (declined) or (key start, key end, value start, value end, depth reached,
 *      is the node reached a scalar, root index, root line, root column, first key index,
 *      does the first key match path[0], root entries).  Offsets are characters from
 *      ``begin`` (libyaml's marks over text[begin:stop] alone); key start -1: no key; first
 *      key index -1: none read; root entries -1: not counted (the walk stopped early). */
static PyObject *
fastyaml_locate(PyObject *self, PyObject *args)
{
    PyObject *text, *path, *data;
    Py_ssize_t begin, stop;
    if (!PyArg_ParseTuple(args, "UnnO!O", &text, &begin, &stop, &PyTuple_Type, &path, &data))
        return NULL;
    Py_ssize_t length = PyUnicode_GET_LENGTH(text);
    if (begin < 0 || stop > length || begin > stop)
        Py_RETURN_NONE;
    int early = data != Py_None;
    int ascii = PyUnicode_IS_ASCII(text);
    /* a BOM to start the slice: libyaml skips it uncounted, the marks of a tree composed
     * from the slice are one short of those of the same node composed in a longer one
     * (which tree today's trees walk then depends on which was kept): theirs to say */
    if (!ascii && begin < stop && PyUnicode_READ_CHAR(text, begin) == 0xFEFF)
        Py_RETURN_NONE;

    /* the steps: a node at depth d is at most path[:d], and d <= MAX_NEST */
    Py_ssize_t nsteps = PyTuple_GET_SIZE(path);
    if (nsteps > MAX_NEST + 1)
        nsteps = MAX_NEST + 1;
    Step steps[MAX_NEST + 1];
    int status = 0;
    int prepared = 0;
    for (; prepared < nsteps; prepared++) {
        PyObject *seg = PyTuple_GET_ITEM(path, prepared);
        Step *s = &steps[prepared];
        s->index = -1;
        s->text = NULL;
        s->size = 0;
        if (PyLong_Check(seg)) {  /* bool too, as isinstance(seg, int) */
            Py_ssize_t i = PyLong_AsSsize_t(seg);
            if (i == -1 && PyErr_Occurred())
                PyErr_Clear();  /* too large: indexes nothing */
            else if (i >= 0)
                s->index = i;
        }
        if (PyUnicode_Check(seg)) {
            Py_INCREF(seg);
            s->key = seg;
        } else {
            s->key = PyObject_Str(seg);
            if (s->key == NULL) {  /* the Python walk says what str() raises */
                PyErr_Clear();
                status = DECLINE;
                break;
            }
        }
        s->text = PyUnicode_AsUTF8AndSize(s->key, &s->size);
        if (s->text == NULL)  /* lone surrogates: no key of the text has them */
            PyErr_Clear();
    }

    /* the slice's events: those kept of it, else a slot of its own (see slice_next); after
     * the steps, whose str() may run Python code */
    Slice alone;
    Slice *slice = NULL;
    for (int i = 0; i < REPLAY_SLOTS && status == 0; i++)
        if (slices[i].text == text && slices[i].begin == begin && slices[i].stop == stop)
            slice = &slices[i];
    if (slice == NULL && status == 0) {
        /* the slice's UTF-8: ASCII text is its own, else a copy of the slice */
        PyObject *piece = NULL;
        const char *utf8 = NULL;
        Py_ssize_t size = 0;
        if (ascii) {
            utf8 = (const char *)PyUnicode_DATA(text) + begin;
            size = stop - begin;
        } else {
            piece = PyUnicode_Substring(text, begin, stop);
            if (piece == NULL) {
                status = FAILED;
            } else {
                utf8 = PyUnicode_AsUTF8AndSize(piece, &size);
                if (utf8 == NULL) {  /* lone surrogates */
                    PyErr_Clear();
                    status = DECLINE;
                }
            }
        }
        if (status == 0) {
            int keep = size <= REPLAY_MAX_BYTES;
            if (keep) {
                slice = &slices[next_slot];
                next_slot = (next_slot + 1) % REPLAY_SLOTS;
                slice_free(slice);
            } else {
                slice = &alone;
            }
            if (slice_open(slice, text, begin, stop, piece, utf8, size, keep) < 0) {
                status = FAILED;
                slice_free(slice);
                slice = NULL;
            }
        }
        Py_XDECREF(piece);
    }
    Py_ssize_t at = 0;  /* the next event of the slice */

    LFrame stack[MAX_NEST];
    int depth = 0;
    int documents = 0, ended = 0, found = 0;
    /* the answer so far: the node at path[:reached] (the last match), its key */
    int reached = 0, scalar = 0, complete = 0;
    Py_ssize_t kstart = -1, kend = -1, vstart = 0, vend = 0;
    Py_ssize_t root_index = 0, root_line = 0, root_column = 0;
    Py_ssize_t first_key = -1, root_entries = -1;
    int first_key_want = 0;

    while (status == 0) {
        Ev event;
        const char *value;
        int got = slice_next(slice, &at, &event, &value);
        if (got <= 0) {
            status = got == 0 || !PyErr_Occurred() ? DECLINE : FAILED;
            break;
        }
        int done = 0;
        int type = event.type;
        switch (type) {
        case YAML_STREAM_START_EVENT:
        case YAML_NO_EVENT:
            break;
        case YAML_STREAM_END_EVENT:
            if (!ended)
                status = DECLINE;  /* no document */
            else
                found = 1;
            done = 1;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (documents++ > 0 || event.odd)
                status = DECLINE;
            break;
        case YAML_DOCUMENT_END_EVENT:
            if (depth != 0 || root_entries < 0)
                status = DECLINE;
            ended = 1;
            break;
        case YAML_ALIAS_EVENT:
            status = DECLINE;
            break;
        case YAML_SCALAR_EVENT:
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT: {
            int is_scalar = type == YAML_SCALAR_EVENT;
            int is_map = type == YAML_MAPPING_START_EVENT;
            if (event.odd) {  /* an anchor or a tag */
                status = DECLINE;
                break;
            }
            Py_ssize_t start = event.start, end = event.end;
            if (depth == 0) {  /* the root: a mapping, the node at path[:0] */
                if (!is_map || root_entries >= 0 || documents != 1) {
                    status = DECLINE;
                    break;
                }
                LFrame *f = &stack[depth++];
                f->is_map = 1;
                f->flow = event.flow;
                f->at_key = 1;
                f->match_next = 0;
                f->level = 0;
                f->count = 0;
                f->last_end = -1;
                f->data = early ? data : NULL;
                f->unique = early && str_keys_only(f->data);
                root_index = event.start;
                root_line = event.line;
                root_column = event.column;
                reached = 0;
                scalar = 0;
                kstart = kend = -1;
                vstart = start;
                break;
            }
            LFrame *p = &stack[depth - 1];
            if (p->is_map && p->at_key) {  /* a key */
                if (!is_scalar) {
                    status = DECLINE;  /* a collection as a key */
                    break;
                }
                const char *v = value;
                size_t n = (size_t)event.length;
                if (event.plain && n == 2 && v[0] == '<' && v[1] == '<') {
                    status = DECLINE;  /* a merge key */
                    break;
                }
                p->at_key = 0;
                int l = p->level;
                p->match_next = l >= 0 && l < nsteps && steps[l].text != NULL && (size_t)steps[l].size == n &&
                                memcmp(steps[l].text, v, n) == 0;
                if (p->match_next) {
                    p->kstart = start;
                    p->kend = end;
                }
                if (depth == 1 && first_key < 0) {
                    first_key = start;
                    first_key_want = p->match_next;
                }
                break;
            }
            /* a value, or an item: does it match the path's next step? */
            int matched;
            int l = p->level;
            if (p->is_map) {
                matched = p->match_next;
                p->match_next = 0;
            } else {
                matched = l >= 0 && l < nsteps && steps[l].index == p->count;
            }
            PyObject *sub = NULL;  /* its data, when known */
            if (matched) {
                reached = l + 1;
                scalar = is_scalar;
                if (p->is_map) {
                    kstart = p->kstart;
                    kend = p->kend;
                } else {
                    kstart = kend = -1;
                }
                vstart = start;
                complete = 0;
                if (p->data != NULL) {
                    if (p->is_map) {
                        if (p->unique)
                            sub = PyDict_GetItemWithError(p->data, steps[l].key);
                    } else if (PyList_CheckExact(p->data) && p->count < PyList_GET_SIZE(p->data)) {
                        sub = PyList_GET_ITEM(p->data, p->count);
                    }
                    if (sub == NULL)
                        PyErr_Clear();
                }
            }
            if (is_scalar) {
                /* an entry done: the parent's last value ends here */
                p->last_end = end;
                p->count++;
                if (p->is_map)
                    p->at_key = 1;
                if (matched) {
                    vend = end;
                    complete = 1;
                }
            } else {
                if (depth >= MAX_NEST) {
                    status = DECLINE;
                    break;
                }
                LFrame *f = &stack[depth++];
                f->is_map = is_map;
                f->flow = event.flow;
                f->at_key = 1;
                f->match_next = 0;
                f->level = matched ? l + 1 : -1;
                f->count = 0;
                f->last_end = -1;
                f->data = sub;
                f->unique = matched && is_map && str_keys_only(sub);
            }
            break;
        }
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT: {
            if (depth == 0) {
                status = DECLINE;
                break;
            }
            LFrame *f = &stack[--depth];
            /* lint/document.py node_end: a block collection's text ends with its last entry's */
            Py_ssize_t own_end = (f->flow || f->last_end < 0) ? event.end : f->last_end;
            if (f->level >= 0 && f->level == reached) {
                vend = own_end;
                complete = 1;
            }
            if (depth == 0) {
                root_entries = f->count;
            } else {
                LFrame *p = &stack[depth - 1];
                p->last_end = own_end;
                p->count++;
                if (p->is_map)
                    p->at_key = 1;
            }
            break;
        }
        }
        if (done)
            break;
        if (status == 0 && complete && early) {
            /* stop when no open mapping on the way can still bring a later key of the
             * same text (the entries after the answer change nothing else) */
            int may_change = 0;
            for (int i = 0; i < depth && !may_change; i++)
                may_change = stack[i].level >= 0 && stack[i].is_map && !stack[i].unique;
            if (!may_change && first_key >= 0) {
                found = 1;
                break;
            }
            if (!may_change && depth == 0) {  /* the root closed: its first key was read or there is none */
                found = 1;
                break;
            }
        }
    }
    if (slice != NULL && (slice == &alone || slice->broken || status == FAILED))
        slice_free(slice);
    for (int i = 0; i < prepared; i++)
        Py_XDECREF(steps[i].key);
    if (status == FAILED)
        return NULL;
    if (status == DECLINE || !found) {
        PyErr_Clear();
        Py_RETURN_NONE;
    }
    return Py_BuildValue("(nnnnninnnnin)", kstart, kend, vstart, vend, (Py_ssize_t)reached, scalar,
                         root_index, root_line, root_column,
                         first_key, first_key_want, root_entries);
}

static PyMethodDef methods[] = {
    {"compose", fastyaml_compose, METH_VARARGS, "Data of a plain YAML text's documents, or None."},
    {"locate", fastyaml_locate, METH_VARARGS, "Where a path's key and value are written in a YAML slice, or None."},
    {"forget", fastyaml_forget, METH_NOARGS, "Drop the events locate() keeps of the last slices it read."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_fastyaml", "The loader's fast path: libyaml events to data, and to places.", -1, methods,
};

/* Look libyaml's functions up in PyYAML's extension, already loaded by ``import yaml``. */
static int
bind_libyaml(void)
{
    PyObject *mod = PyImport_ImportModule("yaml._yaml");
    if (mod == NULL)
        return -1;
    PyObject *file = PyObject_GetAttrString(mod, "__file__");
    Py_DECREF(mod);
    if (file == NULL)
        return -1;
    const char *path = PyUnicode_AsUTF8(file);
    void *lib = path == NULL ? NULL : dlopen(path, RTLD_NOW | RTLD_NOLOAD);
    Py_DECREF(file);
    if (lib == NULL) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_ImportError, "yaml._yaml is not loaded");
        return -1;
    }
    *(void **)&p_initialize = dlsym(lib, "yaml_parser_initialize");
    *(void **)&p_delete = dlsym(lib, "yaml_parser_delete");
    *(void **)&p_set_input_string = dlsym(lib, "yaml_parser_set_input_string");
    *(void **)&p_parse = dlsym(lib, "yaml_parser_parse");
    *(void **)&p_event_delete = dlsym(lib, "yaml_event_delete");
    *(void **)&p_version_string = dlsym(lib, "yaml_get_version_string");
    /* the handle is kept: yaml._yaml stays loaded for the life of the process */
    if (!p_initialize || !p_delete || !p_set_input_string || !p_parse || !p_event_delete ||
        !p_version_string) {
        PyErr_SetString(PyExc_ImportError, "yaml._yaml does not export libyaml's parser");
        return -1;
    }
    return 0;
}

/* The events of a known text, field by field: the layout yaml.h gave this module is the one
 * of the libyaml it calls.  0 when they agree. */
static int
probe(void)
{
    static const char text[] = "k: [1, 'two']\n";
    static const struct {
        yaml_event_type_t type;
        size_t start, end, line, column;
        const char *value;
        int style;
    } want[] = {
        {YAML_STREAM_START_EVENT, 0, 0, 0, 0, NULL, 0},
        {YAML_DOCUMENT_START_EVENT, 0, 0, 0, 0, NULL, 0},
        {YAML_MAPPING_START_EVENT, 0, 0, 0, 0, NULL, YAML_BLOCK_MAPPING_STYLE},
        {YAML_SCALAR_EVENT, 0, 1, 0, 0, "k", YAML_PLAIN_SCALAR_STYLE},
        {YAML_SEQUENCE_START_EVENT, 3, 4, 0, 3, NULL, YAML_FLOW_SEQUENCE_STYLE},
        {YAML_SCALAR_EVENT, 4, 5, 0, 4, "1", YAML_PLAIN_SCALAR_STYLE},
        {YAML_SCALAR_EVENT, 7, 12, 0, 7, "two", YAML_SINGLE_QUOTED_SCALAR_STYLE},
        {YAML_SEQUENCE_END_EVENT, 12, 13, 0, 12, NULL, 0},
        {YAML_MAPPING_END_EVENT, 14, 14, 1, 0, NULL, 0},
        {YAML_DOCUMENT_END_EVENT, 14, 14, 1, 0, NULL, 0},
        {YAML_STREAM_END_EVENT, 14, 14, 1, 0, NULL, 0},
    };
    yaml_parser_t *parser = PyMem_Calloc(1, PARSER_ROOM);
    if (parser == NULL || !p_initialize(parser)) {
        PyMem_Free(parser);
        return -1;
    }
    p_set_input_string(parser, (const unsigned char *)text, sizeof(text) - 1);
    int bad = 0;
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]) && !bad; i++) {
        yaml_event_t e;
        if (!p_parse(parser, &e)) {
            bad = 1;
            break;
        }
        bad = e.type != want[i].type || e.start_mark.index != want[i].start || e.end_mark.index != want[i].end ||
              e.start_mark.line != want[i].line || e.start_mark.column != want[i].column;
        if (!bad && e.type == YAML_SCALAR_EVENT)
            bad = e.data.scalar.anchor != NULL || e.data.scalar.tag != NULL ||
                  e.data.scalar.length != strlen(want[i].value) ||
                  memcmp(e.data.scalar.value, want[i].value, e.data.scalar.length) != 0 ||
                  (int)e.data.scalar.style != want[i].style || e.data.scalar.plain_implicit != (want[i].style == YAML_PLAIN_SCALAR_STYLE);
        if (!bad && e.type == YAML_SEQUENCE_START_EVENT)
            bad = e.data.sequence_start.anchor != NULL || e.data.sequence_start.tag != NULL ||
                  (int)e.data.sequence_start.style != want[i].style;
        if (!bad && e.type == YAML_MAPPING_START_EVENT)
            bad = e.data.mapping_start.anchor != NULL || e.data.mapping_start.tag != NULL ||
                  (int)e.data.mapping_start.style != want[i].style;
        p_event_delete(&e);
    }
    p_delete(parser);
    PyMem_Free(parser);
    return bad;
}

PyMODINIT_FUNC
PyInit__fastyaml(void)
{
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    if (bind_libyaml() < 0) {
        Py_DECREF(m);
        return NULL;
    }
    if (probe() != 0) {
        Py_DECREF(m);
        PyErr_SetString(PyExc_ImportError, "libyaml's events are not laid out as yaml.h says");
        return NULL;
    }
    if (PyModule_AddStringConstant(m, "LIBYAML_VERSION", p_version_string()) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
