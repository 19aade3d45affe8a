// Particles: random directions, sizes, colours and rotations, a wandering affector and
// gravity. Qt draws them from its shared random generator, which the renderer seeds the
// same way every time the scene loads: frames repeat.
import QtQuick
import QtQuick.Particles

Rectangle {
    width: 320; height: 180
    color: "#101020"
    property int frame: 0
    property int durationInFrames: 30

    ParticleSystem { id: particles }
    ImageParticle {
        system: particles
        groups: ["sparks"]
        source: "assets/photo.png"
        color: "orange"
        colorVariation: 0.4
        rotationVariation: 180
    }
    Emitter {
        system: particles
        group: "sparks"
        x: 80; y: 90
        emitRate: 80; lifeSpan: 1200; size: 14; sizeVariation: 8
        velocity: AngleDirection { angleVariation: 360; magnitude: 70; magnitudeVariation: 30 }
    }
    ImageParticle {
        system: particles
        groups: ["drops"]
        source: "assets/photo.png"
        color: "#5bc0be"
        alphaVariation: 0.5
    }
    Emitter {
        system: particles
        group: "drops"
        x: 230; y: 30; width: 60; height: 10
        emitRate: 20; lifeSpan: 1500; size: 10
        velocity: PointDirection { y: 40; xVariation: 30 }
    }
    Wander { system: particles; groups: ["sparks"]; xVariance: 40; pace: 60 }
    Gravity { system: particles; groups: ["drops"]; magnitude: 60; angle: 90 }
}
