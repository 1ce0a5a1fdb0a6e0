// libxml2's headers pull in ICU's when LIBXML_ICU_ENABLED is set, and those clash
// with Foundation's own ICU on a clean build. Backdrop needs no ICU from libxml2.
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/xmlreader.h>
#include <libxml/xmlerror.h>
