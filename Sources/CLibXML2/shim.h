#ifndef XMPPSCOPE_CLIBXML2_SHIM_H
#define XMPPSCOPE_CLIBXML2_SHIM_H

#include <libxml/xmlversion.h>
/* Debian's libxml2 is built with ICU; its headers clash with Foundation's ICU types in Swift. */
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/xmlerror.h>

/// Bytes of the current input consumed by the parser so far (its cursor as an absolute offset).
static inline unsigned long xmppscope_xml_consumed(xmlParserCtxtPtr ctxt) {
    if (ctxt == NULL || ctxt->input == NULL) return 0;
    // Once libxml2 has halted the parser (xmlStopParser, a fatal error) `cur` may point at a
    // static empty string, not into `base`: then the position is unknown (ULONG_MAX).
    if (ctxt->input->cur == NULL || ctxt->input->base == NULL || ctxt->input->cur < ctxt->input->base
        || (ctxt->input->end != NULL && ctxt->input->cur > ctxt->input->end))
        return (unsigned long)-1;  /* unknown: the caller takes everything fed as consumed */
    return (unsigned long)ctxt->input->consumed + (unsigned long)(ctxt->input->cur - ctxt->input->base);
}

/// The byte under the parser's cursor, or -1 when none is buffered.
static inline int xmppscope_xml_current_byte(xmlParserCtxtPtr ctxt) {
    if (ctxt == NULL || ctxt->input == NULL || ctxt->input->cur == NULL) return -1;
    if (ctxt->input->end != NULL && ctxt->input->cur >= ctxt->input->end) return -1;
    return (int)(*ctxt->input->cur);
}

/// libxml2's xmlFree is a global function pointer, which Swift 6 refuses to touch; wrap it.
static inline void xmppscope_xml_free(void *p) { xmlFree(p); }

/// Initialise the library once (idempotent).
static inline void xmppscope_xml_init(void) { xmlInitParser(); }

/// A push parser context whose input buffer starts at 2 KiB instead of libxml2's 8 KiB
/// (2 * xmlDefaultBufferSize, a per-thread setting, set for this call only). The buffer still
/// grows to whatever a chunk needs; what changes is what an idle connection's two contexts
/// hold (a proxy may keep thousands of them).
///
/// With `dict`, the context interns its names there instead of in a dictionary of its own (the
/// context holds a reference; the names libxml2 cached from its own dictionary are looked up
/// again, as libxml2 does when a context's dictionary is replaced).
static inline xmlParserCtxtPtr xmppscope_xml_create_push_parser(xmlSAXHandlerPtr sax, void *user_data, xmlDictPtr dict) {
    int saved = xmlDefaultBufferSize;
    xmlDefaultBufferSize = 1024;
    xmlParserCtxtPtr ctxt = xmlCreatePushParserCtxt(sax, user_data, NULL, 0, NULL);
    xmlDefaultBufferSize = saved;
    if (ctxt != NULL && dict != NULL) {
        xmlDictFree(ctxt->dict);
        ctxt->dict = dict;
        xmlDictReference(dict);
        ctxt->str_xml = xmlDictLookup(dict, BAD_CAST "xml", 3);
        ctxt->str_xmlns = xmlDictLookup(dict, BAD_CAST "xmlns", 5);
        ctxt->str_xml_ns = xmlDictLookup(dict, XML_XML_NAMESPACE, 36);
        if (ctxt->str_xml == NULL || ctxt->str_xmlns == NULL || ctxt->str_xml_ns == NULL) {
            xmlFreeParserCtxt(ctxt);
            return NULL;
        }
    }
    return ctxt;
}

/// Makes a push parser context ready for a new document without allocating another: what
/// xmlCtxtResetPush does (its dictionary and SAX handler stay; the input buffer is a new one of
/// 2 KiB, as in xmppscope_xml_create_push_parser), then what xmlCtxtReset leaves otherwise
/// than a new push context without a first chunk has: the encoding still to be detected (it
/// sets UTF-8, and a byte order mark before the next document would then not be skipped), one
/// entry on the xml:space stack, and no namespace declarations in scope (upstream 2.9.14 keeps
/// nsNr, reset from 2.10; Debian's 2.9.14 resets it). Returns 0 on success.
static inline int xmppscope_xml_reset_push_parser(xmlParserCtxtPtr ctxt) {
    int saved = xmlDefaultBufferSize;
    xmlDefaultBufferSize = 1024;
    int result = xmlCtxtResetPush(ctxt, NULL, 0, NULL, NULL);
    xmlDefaultBufferSize = saved;
    if (result != 0) return result;
    ctxt->nsNr = 0;
    ctxt->charset = XML_CHAR_ENCODING_NONE;
    if (ctxt->spaceTab != NULL) {
        ctxt->spaceNr = 1;
        ctxt->spaceTab[0] = -1;
        ctxt->space = &ctxt->spaceTab[0];
    }
    return 0;
}

/// The dictionary a context interns its names in.
static inline xmlDictPtr xmppscope_xml_dictionary(xmlParserCtxtPtr ctxt) { return ctxt == NULL ? NULL : ctxt->dict; }

#endif
