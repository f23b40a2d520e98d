/* libFuzzer target: the footer and dynamic-header decoders and the whole-image check, on any
 * bytes. Whatever decodes cleanly must encode back to the very same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vhd_format.h"

static void expect(int condition)
{
    if (!condition)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t encoded[VHD_DYNAMIC_HEADER_SIZE];
    vhd_footer footer;
    vhd_dynamic_header header;
    vhd_format_status status;

    status = vhd_footer_decode(&footer, data, size);
    expect(vhd_format_status_message(status) != NULL);
    if (status == VHD_FORMAT_OK) {
        expect(size >= VHD_FOOTER_SIZE);
        vhd_footer_encode(&footer, encoded);
        expect(memcmp(encoded, data, VHD_FOOTER_SIZE) == 0);
    }

    status = vhd_dynamic_header_decode(&header, data, size);
    if (status == VHD_FORMAT_OK) {
        expect(size >= VHD_DYNAMIC_HEADER_SIZE);
        vhd_dynamic_header_encode(&header, encoded);
        expect(memcmp(encoded, data, VHD_DYNAMIC_HEADER_SIZE) == 0);
    }

    status = vhd_dynamic_image_check(data, size, &footer, &header);
    expect(vhd_format_status_message(status) != NULL);
    vhd_dynamic_image_check(data, size, NULL, NULL);
    return 0;
}
