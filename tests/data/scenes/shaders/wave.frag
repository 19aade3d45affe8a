#version 440
// A wave that bends the source and swaps its colour channels; `phase` moves it.
layout(location = 0) in vec2 qt_TexCoord0;
layout(location = 0) out vec4 fragColor;
layout(std140, binding = 0) uniform buf {
    mat4 qt_Matrix;
    float qt_Opacity;
    float phase;
};
layout(binding = 1) uniform sampler2D source;

void main() {
    vec2 uv = qt_TexCoord0;
    uv.x += 0.06 * sin(uv.y * 18.0 + phase);
    vec4 c = texture(source, uv);
    fragColor = vec4(c.b, c.r, c.g, c.a) * qt_Opacity;
}
