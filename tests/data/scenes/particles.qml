// Particles: Qt seeds their randomness itself, so frames cannot repeat between renders.
import QtQuick
import QtQuick.Particles

Rectangle {
    width: 320; height: 180
    color: "black"
    property int frame: 0
    property int durationInFrames: 30

    ParticleSystem { id: particles }
    ImageParticle { system: particles; source: "assets/photo.png"; color: "orange" }
    Emitter {
        system: particles
        anchors.centerIn: parent
        emitRate: 80; lifeSpan: 1000; size: 16
        velocity: AngleDirection { angleVariation: 360; magnitude: 80 }
    }
}
