#include "config.h"
/* placeholder: written next */
typedef int placeholder_json;
